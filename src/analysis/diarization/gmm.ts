/**
 * Diagonal-covariance Gaussian mixture models (EM) used by the resegmentation pass.
 */

const LOG2PI = Math.log(2 * Math.PI);

export class DiagGMM {
  constructor(
    readonly d: number,
    readonly weights: Float64Array,
    readonly means: Float64Array, // M × d
    readonly vars: Float64Array, // M × d
    private consts = new Float64Array(weights.length),
    private ivars = new Float64Array(vars.length),
  ) {
    this.refresh();
  }
  get m(): number {
    return this.weights.length;
  }
  refresh(): void {
    const d = this.d;
    for (let k = 0; k < this.m; k++) {
      let c = Math.log(Math.max(this.weights[k]!, 1e-12)) - 0.5 * d * LOG2PI;
      for (let i = 0; i < d; i++) {
        const v = this.vars[k * d + i]!;
        c -= 0.5 * Math.log(v);
        this.ivars[k * d + i] = 1 / v;
      }
      this.consts[k] = c;
    }
  }
  /** log p(x) for row r of X; `comp` (length M) receives per-component log terms. */
  logLik(X: Float32Array, r: number, comp: Float64Array): number {
    const d = this.d;
    const o = r * d;
    let mx = -Infinity;
    for (let k = 0; k < this.m; k++) {
      let s = 0;
      const mo = k * d;
      for (let i = 0; i < d; i++) {
        const z = X[o + i]! - this.means[mo + i]!;
        s += z * z * this.ivars[mo + i]!;
      }
      const l = this.consts[k]! - 0.5 * s;
      comp[k] = l;
      if (l > mx) mx = l;
    }
    let acc = 0;
    for (let k = 0; k < this.m; k++) acc += Math.exp(comp[k]! - mx);
    return mx + Math.log(acc);
  }
}

/**
 * Trains a diagonal GMM with M components on rows `rows` of X by EM. Deterministic
 * initialisation: means from evenly spaced rows, variances from the data.
 */
export function trainGMM(X: Float32Array, d: number, rows: Int32Array, M: number, iters = 5, varFloor = 0.01): DiagGMM {
  const n = rows.length;
  M = Math.max(1, Math.min(M, Math.floor(n / 20)));
  const gmean = new Float64Array(d), gvar = new Float64Array(d);
  for (let t = 0; t < n; t++) {
    const o = rows[t]! * d;
    for (let i = 0; i < d; i++) gmean[i] = gmean[i]! + X[o + i]!;
  }
  for (let i = 0; i < d; i++) gmean[i] = gmean[i]! / Math.max(1, n);
  for (let t = 0; t < n; t++) {
    const o = rows[t]! * d;
    for (let i = 0; i < d; i++) gvar[i] = gvar[i]! + (X[o + i]! - gmean[i]!) ** 2;
  }
  for (let i = 0; i < d; i++) gvar[i] = Math.max(varFloor, gvar[i]! / Math.max(1, n));
  const w = new Float64Array(M).fill(1 / M);
  const mu = new Float64Array(M * d), va = new Float64Array(M * d);
  for (let k = 0; k < M; k++) {
    const r = rows[Math.floor(((k + 0.5) * n) / M)] ?? rows[0]!;
    for (let i = 0; i < d; i++) {
      mu[k * d + i] = n > 0 ? X[r * d + i]! : 0;
      va[k * d + i] = gvar[i]!;
    }
  }
  const g = new DiagGMM(d, w, mu, va);
  if (n === 0) return g;
  const comp = new Float64Array(M);
  const nk = new Float64Array(M), sk = new Float64Array(M * d), qk = new Float64Array(M * d);
  for (let it = 0; it < iters; it++) {
    nk.fill(0);
    sk.fill(0);
    qk.fill(0);
    for (let t = 0; t < n; t++) {
      const r = rows[t]!;
      const ll = g.logLik(X, r, comp);
      const o = r * d;
      for (let k = 0; k < M; k++) {
        const p = Math.exp(comp[k]! - ll);
        if (p < 1e-6) continue;
        nk[k] = nk[k]! + p;
        const ko = k * d;
        for (let i = 0; i < d; i++) {
          const x = X[o + i]!;
          sk[ko + i] = sk[ko + i]! + p * x;
          qk[ko + i] = qk[ko + i]! + p * x * x;
        }
      }
    }
    for (let k = 0; k < M; k++) {
      const c = nk[k]!;
      if (c < 1e-3) {
        w[k] = 1e-6;
        continue;
      }
      w[k] = c / n;
      for (let i = 0; i < d; i++) {
        const m = sk[k * d + i]! / c;
        mu[k * d + i] = m;
        va[k * d + i] = Math.max(varFloor, qk[k * d + i]! / c - m * m);
      }
    }
    g.refresh();
  }
  return g;
}
