/**
 * Full-covariance Gaussian sufficient statistics and delta-BIC agglomerative clustering
 * (Chen & Gopalakrishnan 1998; LIUM spkDiarization's "hierarchical BIC" step).
 *
 *   deltaBIC(i, j) = ½·[(nᵢ+nⱼ)·log|Σᵢⱼ| − nᵢ·log|Σᵢ| − nⱼ·log|Σⱼ|] − λ·½·(d + d(d+1)/2)·log(nᵢ+nⱼ)
 *
 * merged while the smallest deltaBIC is negative (or until exactly N clusters remain when the
 * caller knows the count). The penalty uses the local sample size nᵢ+nⱼ (as LIUM does), so λ
 * does not drift with the length of the recording.
 */

/** Sufficient statistics of a set of D-dimensional vectors (packed lower triangle of Σ x xᵀ). */
export class GaussStats {
  n = 0;
  readonly sum: Float64Array;
  readonly sq: Float64Array;
  constructor(readonly d: number) {
    this.sum = new Float64Array(d);
    this.sq = new Float64Array((d * (d + 1)) / 2);
  }
  /** Adds rows [from, to) of the row-major matrix X (`stride` columns, of which the first d are used). */
  addRows(X: Float32Array, from: number, to: number, stride = this.d): void {
    const d = this.d;
    const sum = this.sum, sq = this.sq;
    for (let r = from; r < to; r++) {
      const o = r * stride;
      let p = 0;
      for (let i = 0; i < d; i++) {
        const xi = X[o + i]!;
        sum[i] = sum[i]! + xi;
        for (let j = 0; j <= i; j++) sq[p] = sq[p++]! + xi * X[o + j]!;
      }
    }
    this.n += to - from;
  }
  addRow(X: Float32Array, r: number): void {
    this.addRows(X, r, r + 1);
  }
  add(o: GaussStats): void {
    this.n += o.n;
    for (let i = 0; i < this.sum.length; i++) this.sum[i] = this.sum[i]! + o.sum[i]!;
    for (let i = 0; i < this.sq.length; i++) this.sq[i] = this.sq[i]! + o.sq[i]!;
  }
  static merged(a: GaussStats, b: GaussStats): GaussStats {
    const m = new GaussStats(a.d);
    m.add(a);
    m.add(b);
    return m;
  }
}

const work = new Map<number, Float64Array>();

/** log-determinant of the ML covariance (+ ridge·I) of the statistics, via Cholesky. */
export function logDetCov(s: GaussStats, ridge = 1e-3, a?: GaussStats): number {
  const d = s.d;
  let A = work.get(d);
  if (!A) {
    A = new Float64Array(d * d);
    work.set(d, A);
  }
  const n = s.n + (a ? a.n : 0);
  let p = 0;
  for (let i = 0; i < d; i++) {
    const mi = (s.sum[i]! + (a ? a.sum[i]! : 0)) / n;
    for (let j = 0; j <= i; j++) {
      const mj = (s.sum[j]! + (a ? a.sum[j]! : 0)) / n;
      const v = (s.sq[p]! + (a ? a.sq[p]! : 0)) / n - mi * mj + (i === j ? ridge : 0);
      p++;
      A[i * d + j] = v;
    }
  }
  // in-place Cholesky on the lower triangle
  let ld = 0;
  for (let j = 0; j < d; j++) {
    let s2 = A[j * d + j]!;
    for (let k = 0; k < j; k++) s2 -= A[j * d + k]! * A[j * d + k]!;
    if (s2 <= 1e-12) s2 = 1e-12;
    const l = Math.sqrt(s2);
    A[j * d + j] = l;
    ld += Math.log(l);
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]!;
      for (let k = 0; k < j; k++) t -= A[i * d + k]! * A[j * d + k]!;
      A[i * d + j] = t / l;
    }
  }
  return 2 * ld;
}

export interface Cluster {
  stats: GaussStats;
  logDet: number;
  /** Indices of the input items (windows/segments) in this cluster. */
  members: number[];
}

export function makeCluster(stats: GaussStats, members: number[], ridge: number): Cluster {
  return { stats, logDet: logDetCov(stats, ridge), members };
}

export function deltaBIC(a: Cluster, b: Cluster, lambda: number, ridge: number): number {
  const d = a.stats.d;
  const n = a.stats.n + b.stats.n;
  const ldm = logDetCov(a.stats, ridge, b.stats);
  const P = 0.5 * (d + (d * (d + 1)) / 2) * Math.log(n);
  return 0.5 * (n * ldm - a.stats.n * a.logDet - b.stats.n * b.logDet) - lambda * P;
}

export interface AgglomerateOptions {
  lambda: number;
  ridge: number;
  /** Exact number of clusters wanted; undefined = stop when every deltaBIC > 0. */
  target?: number;
  /** Never go below this many clusters (used for block-wise pre-clustering). */
  minClusters?: number;
}

/**
 * Greedy agglomerative clustering. O(n²) memory over the n input clusters: callers cap n
 * (see the block-wise scheme in classic.ts).
 */
export function agglomerate(input: Cluster[], opts: AgglomerateOptions): Cluster[] {
  const cl: (Cluster | null)[] = input.slice();
  const n = cl.length;
  const D = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) D[i * n + j] = deltaBIC(cl[i]!, cl[j]!, opts.lambda, opts.ridge);
  let alive = n;
  const floor = Math.max(1, opts.target ?? opts.minClusters ?? 1);
  while (alive > floor) {
    let best = Infinity, bi = -1, bj = -1;
    for (let i = 0; i < n; i++) {
      if (!cl[i]) continue;
      for (let j = i + 1; j < n; j++) {
        const v = D[i * n + j]!;
        if (v < best && cl[j]) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0) break;
    if (opts.target === undefined && best > 0) break;
    const a = cl[bi]!, b = cl[bj]!;
    const st = GaussStats.merged(a.stats, b.stats);
    cl[bi] = makeCluster(st, a.members.concat(b.members), opts.ridge);
    cl[bj] = null;
    alive--;
    for (let k = 0; k < n; k++) {
      if (k === bi || !cl[k]) continue;
      const v = deltaBIC(cl[bi]!, cl[k]!, opts.lambda, opts.ridge);
      if (k < bi) D[k * n + bi] = v;
      else D[bi * n + k] = v;
    }
  }
  return cl.filter((c): c is Cluster => c !== null);
}
