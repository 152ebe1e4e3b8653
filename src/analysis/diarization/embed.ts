/**
 * Window "embeddings" without a neural model: GMM-UBM MAP-adapted mean supervectors
 * (Reynolds et al. 2000; Campbell et al. 2006, "SVM based on GMM supervectors"), with the UBM
 * trained on the recording itself, then cosine scoring and average-linkage agglomerative
 * clustering (as in the i-vector/x-vector diarization recipes before end-to-end models).
 *
 * For a window W and UBM component k (weight wₖ, mean μₖ, diagonal σₖ²):
 *   Nₖ = Σ_{t∈W} γₜ(k),  Fₖ = Σ_{t∈W} γₜ(k)·(xₜ − μₖ)
 *   svₖ = √wₖ · Fₖ / ((Nₖ + r)·σₖ)        (MAP mean shift, relevance factor r, KL-kernel scaling)
 * Supervectors are centred on the recording's mean supervector (what all windows share:
 * room, microphone, language) and optionally projected on their top principal components
 * ("i-vector-lite"), then length-normalised; similarity = cosine.
 */
import { trainGMM, type DiagGMM } from "./gmm.js";
import { asRows, gatherRows, type Rows } from "./rows.js";

export interface SupervectorOptions {
  /** UBM components. */
  components: number;
  /** MAP relevance factor. */
  relevance: number;
  /** Max frames used to train the UBM (evenly subsampled). */
  maxTrainFrames: number;
  /** Use every `frameStep`-th frame when accumulating statistics. */
  frameStep: number;
}

/** Trains the recording's UBM on (an even subsample of) all n speech frames, gathered into one small matrix. */
export function trainUbm(X: Float32Array | Rows, d: number, n: number, o: Pick<SupervectorOptions, "components" | "maxTrainFrames">): DiagGMM {
  const stp = Math.max(1, Math.ceil(n / o.maxTrainFrames));
  const rows: number[] = [];
  for (let t = 0; t < n; t += stp) rows.push(t);
  const G = gatherRows(asRows(X, d), Int32Array.from(rows));
  return trainGMM(G, d, Int32Array.from(rows, (_, j) => j), o.components, 6);
}

/**
 * Zeroth and centred first-order statistics per window, turned into MAP supervectors.
 * Returns a row-major (windows × M·d) Float32Array.
 */
export function windowSupervectors(X: Float32Array, d: number, wins: [number, number][], ubm: DiagGMM, o: SupervectorOptions): Float32Array {
  const M = ubm.m;
  const D = M * d;
  const out = new Float32Array(wins.length * D);
  const comp = new Float64Array(M);
  const N = new Float64Array(M);
  const F = new Float64Array(D);
  const sd = new Float64Array(D);
  for (let q = 0; q < D; q++) sd[q] = Math.sqrt(ubm.vars[q]!);
  const step = Math.max(1, o.frameStep);
  for (let w = 0; w < wins.length; w++) {
    const [s, e] = wins[w]!;
    N.fill(0);
    F.fill(0);
    for (let t = s; t < e; t += step) {
      const ll = ubm.logLik(X, t, comp);
      const xo = t * d;
      for (let k = 0; k < M; k++) {
        const g = Math.exp(comp[k]! - ll);
        if (g < 1e-4) continue;
        N[k] = N[k]! + g;
        const ko = k * d;
        for (let i = 0; i < d; i++) F[ko + i] = F[ko + i]! + g * (X[xo + i]! - ubm.means[ko + i]!);
      }
    }
    const oo = w * D;
    for (let k = 0; k < M; k++) {
      const c = Math.sqrt(Math.max(ubm.weights[k]!, 1e-12)) / (N[k]! + o.relevance);
      const ko = k * d;
      for (let i = 0; i < d; i++) out[oo + ko + i] = (c * F[ko + i]!) / sd[ko + i]!;
    }
  }
  return out;
}

/** Subtracts the mean row (in place). */
export function centreRows(S: Float32Array, rows: number, D: number): void {
  const mean = new Float64Array(D);
  for (let r = 0; r < rows; r++) for (let j = 0; j < D; j++) mean[j] = mean[j]! + S[r * D + j]!;
  for (let j = 0; j < D; j++) mean[j] = mean[j]! / Math.max(1, rows);
  for (let r = 0; r < rows; r++) for (let j = 0; j < D; j++) S[r * D + j] = S[r * D + j]! - mean[j]!;
}

/** Symmetric eigen-decomposition (cyclic Jacobi) of an n×n matrix; returns eigenvalues descending and eigenvectors as columns. */
export function symEig(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!, aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y]! - a[x * n + x]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/**
 * Cosine-similarity matrix of the rows. With `pcaDims` > 0 the rows are first projected on
 * their top principal components (through the Gram matrix, rows ≪ columns), optionally whitened.
 */
export function cosineMatrix(S: Float32Array, rows: number, D: number, pcaDims = 0, whiten = false): Float64Array {
  const G = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      let s = 0;
      const oi = i * D, oj = j * D;
      for (let k = 0; k < D; k++) s += S[oi + k]! * S[oj + k]!;
      G[i * rows + j] = s;
      G[j * rows + i] = s;
    }
  }
  let K = G;
  if (pcaDims > 0 && pcaDims < rows) {
    // projections on the principal axes: Y = U·Λ^{1/2} (U eigenvectors of G); whitened: Y = U
    const { values, vectors } = symEig(G, rows);
    K = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) {
      for (let j = i; j < rows; j++) {
        let s = 0;
        for (let c = 0; c < pcaDims; c++) s += vectors[i * rows + c]! * vectors[j * rows + c]! * (whiten ? 1 : Math.max(0, values[c]!));
        K[i * rows + j] = s;
        K[j * rows + i] = s;
      }
    }
  }
  const C = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) C[i * rows + j] = K[i * rows + j]! / Math.sqrt(Math.max(1e-30, K[i * rows + i]! * K[j * rows + j]!));
  }
  return C;
}

/**
 * Average-linkage agglomerative clustering on a similarity matrix (n×n). Stops when the best
 * average similarity falls below `threshold`, or at exactly `target` clusters when given.
 * Returns a cluster index per item (0..K-1) and, for count selection, the similarity at
 * which each merge happened (merge heights, in order) and `next`, the best similarity left
 * when the threshold stopped it (−∞ when it ran to the end), and the merges made (item ids:
 * the first absorbs the second) so that the tree can be cut at any K afterwards (`cutMerges`).
 */
export function ahcAverage(Sim: Float64Array, n: number, opts: { threshold?: number; target?: number }): { labels: Int32Array; k: number; heights: number[]; next: number; merges: [number, number][] } {
  const S = Float64Array.from(Sim);
  const size = new Float64Array(n).fill(1);
  const alive = new Uint8Array(n).fill(1);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const heights: number[] = [];
  // each row's most similar live neighbour (cached; rows are rescanned only when needed)
  const nn = new Int32Array(n).fill(-1);
  const nv = new Float64Array(n).fill(-Infinity);
  const rescan = (i: number) => {
    let b = -Infinity, bj = -1;
    for (let j = 0; j < n; j++) {
      if (j === i || !alive[j]) continue;
      const v = S[i * n + j]!;
      if (v > b) {
        b = v;
        bj = j;
      }
    }
    nn[i] = bj;
    nv[i] = b;
  };
  for (let i = 0; i < n; i++) rescan(i);
  let count = n;
  const floor = Math.max(1, opts.target ?? 1);
  let next = -Infinity;
  const merges: [number, number][] = [];
  while (count > floor) {
    let best = -Infinity, bi = -1;
    for (let i = 0; i < n; i++) if (alive[i] && nn[i]! >= 0 && nv[i]! > best) { best = nv[i]!; bi = i; }
    if (bi < 0) break;
    if (opts.target === undefined && best < (opts.threshold ?? 0)) {
      next = best;
      break;
    }
    let bj = nn[bi]!;
    if (bj < bi) [bi, bj] = [bj, bi];
    heights.push(best);
    merges.push([bi, bj]);
    // Lance–Williams update for average linkage
    const a = size[bi]!, b = size[bj]!;
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi || k === bj) continue;
      const v = (a * S[bi * n + k]! + b * S[bj * n + k]!) / (a + b);
      S[bi * n + k] = v;
      S[k * n + bi] = v;
    }
    size[bi] = a + b;
    alive[bj] = 0;
    for (let k = 0; k < n; k++) if (parent[k] === bj) parent[k] = bi;
    count--;
    rescan(bi);
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi) continue;
      if (nn[k] === bi || nn[k] === bj) rescan(k);
      else if (S[k * n + bi]! > nv[k]!) { nn[k] = bi; nv[k] = S[k * n + bi]!; }
    }
  }
  const ids = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = parent[i]!;
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r)!;
  }
  return { labels, k: ids.size, heights, next, merges };
}

/** Labels (0..K−1 by first appearance) after replaying the first W − K merges of an ahcAverage tree. */
export function cutMerges(W: number, merges: [number, number][], K: number): Int32Array {
  const parent = Int32Array.from({ length: W }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let m = 0; m < Math.min(merges.length, W - K); m++) parent[find(merges[m]![1])] = find(merges[m]![0]);
  const ids = new Map<number, number>();
  const labels = new Int32Array(W);
  for (let i = 0; i < W; i++) {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r)!;
  }
  return labels;
}
