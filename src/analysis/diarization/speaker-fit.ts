/**
 * Fitting the speaker space (speaker-space.ts) from labelled windows: shrinkage LDA, WCCN
 * in the LDA space, between-speaker variances of the projected axes from different-speaker
 * window differences, and the equal-error rate of the pairwise LLR for checks.
 *
 * Training windows come from pseudo-recordings (several actors' clips concatenated and
 * normalised together by classic.ts buildMatrix, as a recording is at inference), so what the
 * space learns is how one speaker's windows differ from another's *within* a recording.
 */
import { buildMatrix } from "./classic.js";
import { symEig } from "./embed.js";
import { FeatureStore, NUM_CEPS } from "./mfcc.js";
import { SpeakerSpace, windowStats, type SpeakerSpaceFile } from "./speaker-space.js";

/** Static MFCC rows (n × NUM_CEPS) of one clip's speech frames. */
export interface ClipFeatures {
  actor: number;
  rows: Float32Array;
}

export interface LabelledWindows {
  /** W × 2·NUM_CEPS window features. */
  V: Float32Array;
  labels: Int32Array;
  W: number;
}

/**
 * Window features of a pseudo-recording: the clips' speech frames concatenated (in order),
 * normalised over the whole recording, windows of `win` frames every `hop` inside each run of
 * consecutive frames of one actor. `c0Shift` adds a per-actor constant to c0 (a level
 * difference: gain g shifts c0 by 16·ln g with this filterbank).
 */
export function recordingWindows(clips: ClipFeatures[], win: number, hop: number, c0Shift: Map<number, number> = new Map()): LabelledWindows {
  const fs = new FeatureStore(NUM_CEPS);
  const actorOf: number[] = [];
  const row = new Float32Array(NUM_CEPS);
  for (const c of clips) {
    const n = c.rows.length / NUM_CEPS;
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < NUM_CEPS; j++) row[j] = c.rows[t * NUM_CEPS + j]!;
      row[0] = row[0]! + (c0Shift.get(c.actor) ?? 0);
      fs.append(row);
      actorOf.push(c.actor);
    }
  }
  const N = fs.rows;
  const idx = Int32Array.from({ length: N }, (_, i) => i);
  const X = buildMatrix(fs, { idx, regionStart: new Uint8Array(N) });
  const d = 2 * NUM_CEPS;
  const wins: [number, number][] = [];
  const labels: number[] = [];
  let s = 0;
  while (s < N) {
    let e = s;
    while (e < N && actorOf[e] === actorOf[s]) e++;
    for (let a = s; a + win <= e; a += hop) {
      wins.push([a, a + win]);
      labels.push(actorOf[s]!);
    }
    s = e;
  }
  return { V: windowStats(X, d, wins, NUM_CEPS), labels: Int32Array.from(labels), W: wins.length };
}

function matMulT(A: Float64Array, r: number, c: number, B: Float64Array, c2: number): Float64Array {
  // A (r×c) · B (c×c2)
  const out = new Float64Array(r * c2);
  for (let i = 0; i < r; i++) for (let k = 0; k < c; k++) {
    const a = A[i * c + k]!;
    if (a === 0) continue;
    for (let j = 0; j < c2; j++) out[i * c2 + j] = out[i * c2 + j]! + a * B[k * c2 + j]!;
  }
  return out;
}

/** Inverse square root of a symmetric positive matrix (n×n). */
function invSqrt(A: Float64Array, n: number, floor = 1e-9): Float64Array {
  const { values, vectors } = symEig(A, n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (vectors[i * n + k]! * vectors[j * n + k]!) / Math.sqrt(Math.max(floor, values[k]!));
    out[i * n + j] = s;
  }
  return out;
}

export interface FitOptions {
  /** Shrinkage α of the within-speaker covariance. */
  shrinkage: number;
  /** Output dimension. */
  dim: number;
}

/** Projection rows (k × D) applied to every window. */
function projectAll(P: Float64Array, k: number, D: number, recs: LabelledWindows[], mean: Float64Array): Float64Array[] {
  return recs.map((r) => {
    const Y = new Float64Array(r.W * k);
    for (let w = 0; w < r.W; w++) for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += P[i * D + j]! * (r.V[w * D + j]! - mean[j]!);
      Y[w * k + i] = s;
    }
    return Y;
  });
}

/** Within-class (per recording × actor) covariance of rows Y (k columns). */
function withinCov(Ys: Float64Array[], recs: LabelledWindows[], k: number): Float64Array {
  const C = new Float64Array(k * k);
  let dof = 0;
  recs.forEach((r, ri) => {
    const Y = Ys[ri]!;
    const classes = new Map<number, number[]>();
    for (let w = 0; w < r.W; w++) {
      const l = r.labels[w]!;
      if (!classes.has(l)) classes.set(l, []);
      classes.get(l)!.push(w);
    }
    for (const ws of classes.values()) {
      const m = new Float64Array(k);
      for (const w of ws) for (let i = 0; i < k; i++) m[i] = m[i]! + Y[w * k + i]! / ws.length;
      for (const w of ws) for (let i = 0; i < k; i++) {
        const zi = Y[w * k + i]! - m[i]!;
        for (let j = 0; j < k; j++) C[i * k + j] = C[i * k + j]! + zi * (Y[w * k + j]! - m[j]!);
      }
      dof += ws.length - 1;
    }
  });
  for (let i = 0; i < k * k; i++) C[i] = C[i]! / Math.max(1, dof);
  return C;
}

/** Half the covariance of different-speaker window differences (same recording), minus the within part. */
function betweenFromPairs(Ys: Float64Array[], recs: LabelledWindows[], k: number): Float64Array {
  const C = new Float64Array(k * k);
  let n = 0;
  const z = new Float64Array(k);
  recs.forEach((r, ri) => {
    const Y = Ys[ri]!;
    for (let a = 0; a < r.W; a++) for (let b = a + 1; b < r.W; b++) {
      if (r.labels[a] === r.labels[b]) continue;
      for (let i = 0; i < k; i++) z[i] = Y[a * k + i]! - Y[b * k + i]!;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) C[i * k + j] = C[i * k + j]! + z[i]! * z[j]!;
      n++;
    }
  });
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) C[i * k + j] = C[i * k + j]! / Math.max(1, 2 * n) - (i === j ? 1 : 0);
  return C;
}

/** Fits the projection; returns the file body without header / count rule. */
export function fitSpeakerSpace(recs: LabelledWindows[], o: FitOptions): Omit<SpeakerSpaceFile, "header" | "threshold" | "confidence" | "minClusterWindows"> {
  const D = recs[0]!.V.length / Math.max(1, recs[0]!.W);
  // global mean
  const mean = new Float64Array(D);
  let N = 0;
  for (const r of recs) for (let w = 0; w < r.W; w++) { for (let j = 0; j < D; j++) mean[j] = mean[j]! + r.V[w * D + j]!; N++; }
  for (let j = 0; j < D; j++) mean[j] = mean[j]! / Math.max(1, N);
  const I = new Float64Array(D * D);
  for (let i = 0; i < D; i++) I[i * D + i] = 1;
  const identityRecs = recs.map((r) => r);
  const Y0 = projectAll(I, D, D, identityRecs, mean);
  // within-speaker covariance and between-speaker (class means around the recording's mean)
  const Sw = withinCov(Y0, recs, D);
  const Sb = new Float64Array(D * D);
  let nb = 0;
  recs.forEach((r, ri) => {
    const Y = Y0[ri]!;
    const classes = new Map<number, { m: Float64Array; n: number }>();
    const rm = new Float64Array(D);
    for (let w = 0; w < r.W; w++) {
      const l = r.labels[w]!;
      if (!classes.has(l)) classes.set(l, { m: new Float64Array(D), n: 0 });
      const c = classes.get(l)!;
      c.n++;
      for (let j = 0; j < D; j++) { c.m[j] = c.m[j]! + Y[w * D + j]!; rm[j] = rm[j]! + Y[w * D + j]! / r.W; }
    }
    for (const c of classes.values()) {
      for (let j = 0; j < D; j++) c.m[j] = c.m[j]! / c.n - rm[j]!;
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) Sb[i * D + j] = Sb[i * D + j]! + c.n * c.m[i]! * c.m[j]!;
      nb += c.n;
    }
  });
  for (let i = 0; i < D * D; i++) Sb[i] = Sb[i]! / Math.max(1, nb);
  let tr = 0;
  for (let i = 0; i < D; i++) tr += Sw[i * D + i]!;
  const Sws = new Float64Array(D * D);
  for (let i = 0; i < D * D; i++) Sws[i] = (1 - o.shrinkage) * Sw[i]!;
  for (let i = 0; i < D; i++) Sws[i * D + i] = Sws[i * D + i]! + (o.shrinkage * tr) / D;
  const Wh = invSqrt(Sws, D); // symmetric whitening
  const Sbw = matMulT(matMulT(Wh, D, D, Sb, D), D, D, Wh, D);
  const { vectors } = symEig(Sbw, D);
  const k = Math.min(o.dim, D);
  // P rows: top-k eigenvectors (columns of `vectors`) through the whitening
  let P: Float64Array = new Float64Array(k * D);
  for (let i = 0; i < k; i++) for (let j = 0; j < D; j++) {
    let s = 0;
    for (let q = 0; q < D; q++) s += vectors[q * D + i]! * Wh[q * D + j]!;
    P[i * D + j] = s;
  }
  // WCCN in the projected space: within-speaker covariance → identity
  let Ys = projectAll(P, k, D, recs, mean);
  const Cw = withinCov(Ys, recs, k);
  P = matMulT(invSqrt(Cw, k), k, k, P, D);
  Ys = projectAll(P, k, D, recs, mean);
  // rotate onto the principal axes of the between-speaker covariance (within stays identity)
  const B = betweenFromPairs(Ys, recs, k);
  const eb = symEig(B, k);
  const R = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) R[i * k + j] = eb.vectors[j * k + i]!;
  P = matMulT(R, k, k, P, D);
  const between = Array.from(eb.values, (v) => Math.max(0, v));
  const r6 = (x: number) => Number(x.toPrecision(6));
  return {
    inputDim: D,
    dim: k,
    mean: Array.from(mean, r6),
    projection: Array.from(P, r6),
    between: between.map(r6),
  };
}

/** Equal-error rate of the pairwise LLR (same vs different actor, pairs within each recording). */
export function pairEer(space: SpeakerSpace, recs: LabelledWindows[]): { eer: number; meanSame: number; meanDiff: number } {
  const same: number[] = [], diff: number[] = [];
  for (const r of recs) {
    const Y = space.project(r.V, r.W);
    const S = space.llrMatrix(Y, r.W);
    for (let a = 0; a < r.W; a++) for (let b = a + 1; b < r.W; b++) (r.labels[a] === r.labels[b] ? same : diff).push(S[a * r.W + b]!);
  }
  return { eer: eer(same, diff), meanSame: mean(same), meanDiff: mean(diff) };
}

export function mean(x: number[]): number {
  return x.length ? x.reduce((a, b) => a + b, 0) / x.length : 0;
}

/** Equal-error rate for scores where higher means "same". */
export function eer(same: number[], diff: number[]): number {
  const all = [...same.map((s) => [s, 1] as const), ...diff.map((s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  let fr = 0; // same pairs below the threshold (false rejections)
  let fa = diff.length; // diff pairs above the threshold (false acceptances)
  let best = 1;
  for (const [, l] of all) {
    if (l === 1) fr++;
    else fa--;
    const frr = fr / Math.max(1, same.length), far = fa / Math.max(1, diff.length);
    best = Math.min(best, Math.max(frr, far));
  }
  return best;
}
