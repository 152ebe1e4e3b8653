/**
 * Classic speaker diarization, after LIUM spkDiarization (Meignier & Merlin 2010) and the
 * BIC/GMM systems that preceded neural embeddings (docs/diarization.md has the figures):
 *
 * 1. Features: 20 MFCC (c0..c19, 25 ms / 10 ms) + deltas, on VAD speech frames only,
 *    mean/variance normalised over the recording.
 * 2. Speaker count (detect mode): 1.5 s windows → mean and std of the static MFCCs, each
 *    z-scored across the recording's windows, cosine similarity, average-linkage AHC stopped
 *    at θ(W) = −(svThreshold + svNoise/√W). Under minDetectSec of speech: one speaker.
 * 3. With that count K (or the given N), two partitions: the statistics tree cut at K and the
 *    ΔBIC tree (full-covariance Gaussian per window, linear neighbour clustering and block-wise
 *    agglomeration on long recordings) cut at K; each is resegmented (one diagonal GMM per
 *    speaker on static+delta features, Viterbi with a minimum duration, `resegIters` passes)
 *    and the one with the higher mean frame log-likelihood is kept.
 * 4. A given N above the detected count keeps the detected solution and gives each extra
 *    speaker the most atypical window.
 * 5. Overlap: none by default. A speaker change inside one speech region comes out as two
 *    touching turns, which metrics/interruptions.ts counts as a cut-in; `cutInOverlap` > 0
 *    instead adds a token overlap there (off: it cost DER, overlap.ts has the figures).
 * `method` 0 (ΔBIC only, the previous design) and 1 (GMM-UBM supervectors) remain for
 * comparison in bench/sweep.ts.
 */
import type { Turn } from "../types.js";
import { agglomerate, GaussStats, makeCluster, type Cluster } from "./bic.js";
import { ahcAverage, centreRows, cosineMatrix, trainUbm, windowSupervectors } from "./embed.js";
import { DiagGMM, trainGMM } from "./gmm.js";
import { FeatureStore, FRAME_LEN, FRAME_RATE, HOP, MfccExtractor, NUM_CEPS, SAMPLE_RATE } from "./mfcc.js";
import type { DiarizeRequest, DiarizeResult, Diarizer, DiarizerSession, SpeakerCountInfo } from "./types.js";
import { viterbiMinDuration } from "./viterbi.js";
import { asRows, gatherRows, type Rows } from "./rows.js";
import { addCutInOverlap } from "./overlap.js";
import { loadSpeakerSpace, windowStats, type SpeakerSpace } from "./speaker-space.js";

export interface ClassicParams {
  winFrames: number;
  hopFrames: number;
  lambda: number;
  /** λ used for the linear (neighbour) clustering step. */
  linearLambda: number;
  /** λ used when the speaker count is known (the tree is cut at N; λ only orders merges). */
  knownLambda: number;
  ridge: number;
  maxItems: number;
  gmmComponents: number;
  resegIters: number;
  minDurSec: number;
  switchPenalty: number;
  /** Max frames used to train each speaker GMM (evenly subsampled). */
  maxTrainFrames: number;
  /** Speakers with less than this many seconds after resegmentation are dropped (detect mode). */
  minSpeakerSec: number;
  /** Number of static coefficients used by BIC clustering (c0..c{n-1}). */
  bicDims: number;
  /** λ of the speaker-count check after each resegmentation pass (0 = off). */
  finalLambda: number;
  /** Resegmentation decodes every frameStep-th speech frame (1 = every 10 ms frame). */
  frameStep: number;
  /** Initial clustering: 0 = ΔBIC on full-covariance window Gaussians, 1 = UBM supervectors + cosine AHC. */
  method: number;
  svWin: number;
  svHop: number;
  svComp: number;
  svRel: number;
  svPca: number;
  svWhiten: number;
  svThreshold: number;
  svNoise: number;
  /** Cap on the number of windows clustered by the statistics embedding (hop grows beyond it). */
  maxWindows: number;
  /** Below this much speech the count is not estimated (1 speaker) unless given. */
  minDetectSec: number;
  /** Columns of X used for supervectors: 0 = statics+deltas, 1 = statics only, 2 = c1.. (no c0) + deltas. */
  svCols: number;
  /**
   * Seconds of overlap added at each cut-in (a speaker change inside one speech region where
   * the new speaker then holds ≥ 1 s): the previous turn is extended this far into the new
   * one. 0 = off (default; measured +0.06 points DER, see overlap.ts).
   */
  cutInOverlap: number;
  /**
   * Count and statistics partition in the learned speaker space (fitted/speaker-space.json):
   * 1 = on when the file is present, 0 = the z-scored statistics and cosine (default: the
   * learned space counts better on simulated conversations but worse on the real development
   * recordings, docs/diarization.md). The count confidence is calibrated on simulated
   * conversations either way.
   */
  space: number;
  /** Override of the fitted AHC stopping threshold on the mean pairwise LLR (NaN = the file's). */
  spaceThreshold: number;
  /** Clusters of fewer windows are not counted as speakers (their windows join the nearest cluster); NaN = the file's. */
  minClusterWindows: number;
  /**
   * Self-calibrated stopping threshold of the statistics count: > 0 → θ = svAdapt · m − svThreshold,
   * m = the median similarity of touching window pairs (same speaker, mostly) of this
   * recording; 0 → the fixed θ(W) (statsThreshold).
   */
  svAdapt: number;
  /**
   * Resegmentation speaker models MAP-adapted (means, relevance `resegMap`) from one UBM of
   * `gmmComponents` components trained on the whole recording, instead of a GMM trained from
   * scratch per speaker (0 = off).
   */
  resegMap: number;
  /**
   * 1: when the statistics and ΔBIC partitions give the same count, resegment once more from
   * their consensus (speaker models trained only on frames where the two agree) instead of
   * keeping the one with the higher likelihood.
   */
  consensus: number;
  /**
   * 1: a given count above the detected one cuts the trees at the given count (as when it is
   * not above) instead of keeping the detected speakers and adding the most atypical windows.
   */
  knownCut: number;
  /**
   * 1: a given count above the detected one is handled as with `space: 1`: the count is
   * detected again in the learned speaker space; at or below it, the space's tree is cut at
   * the given count; above it, the space's speakers are kept and the extra ones get the most
   * atypical windows. 0: the same from the statistics path's detection.
   */
  knownSpace: number;
}

export const DEFAULT_PARAMS: ClassicParams = {
  winFrames: 200,
  hopFrames: 100,
  lambda: 2.0,
  linearLambda: 2.0,
  knownLambda: 1.0,
  ridge: 1e-3,
  maxItems: 200,
  gmmComponents: 16,
  resegIters: 3,
  minDurSec: 0.5,
  switchPenalty: 10,
  maxTrainFrames: 30000,
  minSpeakerSec: 1.0,
  bicDims: 13,
  finalLambda: 0,
  frameStep: 2,
  method: 3,
  svWin: 150,
  svHop: 75,
  svComp: 32,
  svRel: 16,
  svPca: 0,
  svWhiten: 0,
  svThreshold: 0.06,
  svNoise: 0.4,
  maxWindows: 1000,
  minDetectSec: 10,
  svCols: 0,
  cutInOverlap: 0,
  space: 0,
  spaceThreshold: NaN,
  minClusterWindows: NaN,
  svAdapt: 0,
  resegMap: 0,
  consensus: 0,
  knownCut: 0,
  knownSpace: 1,
};

const DELTA_DEN = 10; // 2·(1² + 2²)
/** Speech frames read at a time from the matrix (resegmentation). */
const SPAN = 4096;

/** Time (s) of the centre of feature frame i. */
export function frameTime(i: number): number {
  return (i * HOP + FRAME_LEN / 2) / SAMPLE_RATE;
}

interface SpeechFrames {
  /** Feature-frame index of each speech frame. */
  idx: Int32Array;
  /** 1 where a speech frame starts a new region. */
  regionStart: Uint8Array;
}

export function speechFrames(rows: number, speech: { start: number; end: number }[]): SpeechFrames {
  const regs = speech.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  // ascending and distinct frame indices: at most `rows` of them
  const idx = new Int32Array(Math.max(0, rows));
  const rs = new Uint8Array(Math.max(0, rows));
  let n = 0;
  for (const r of regs) {
    const i0 = Math.max(0, Math.ceil((r.start * SAMPLE_RATE - FRAME_LEN / 2) / HOP));
    const i1 = Math.min(rows - 1, Math.floor((r.end * SAMPLE_RATE - FRAME_LEN / 2) / HOP));
    let first = true;
    for (let i = i0; i <= i1; i++) {
      if (n && idx[n - 1]! >= i) continue;
      rs[n] = first || (n > 0 && idx[n - 1]! !== i - 1) ? 1 : 0;
      idx[n++] = i;
      first = false;
    }
  }
  return { idx: idx.slice(0, n), regionStart: rs.slice(0, n) };
}

/** Builds the normalised speech-frame matrix: NUM_CEPS statics then NUM_CEPS deltas per row. */
export function buildMatrix(fs: FeatureStore, sf: SpeechFrames): Float32Array {
  const d = NUM_CEPS * 2;
  const n = sf.idx.length;
  const X = new Float32Array(n * d);
  const last = fs.rows - 1;
  // the frame and its ±1, ±2 neighbours (clamped at the ends), row by row
  const row = new Float32Array(NUM_CEPS);
  const ahead = [new Float32Array(NUM_CEPS), new Float32Array(NUM_CEPS)];
  const behind = [new Float32Array(NUM_CEPS), new Float32Array(NUM_CEPS)];
  for (let t = 0; t < n; t++) {
    const i = sf.idx[t]!;
    const o = t * d;
    fs.get(i, row);
    for (let k = 1; k <= 2; k++) {
      fs.get(Math.min(last, i + k), ahead[k - 1]!);
      fs.get(Math.max(0, i - k), behind[k - 1]!);
    }
    for (let c = 0; c < NUM_CEPS; c++) {
      X[o + c] = row[c]!;
      let dl = 0;
      for (let k = 1; k <= 2; k++) dl += k * (ahead[k - 1]![c]! - behind[k - 1]![c]!);
      X[o + NUM_CEPS + c] = dl / DELTA_DEN;
    }
  }
  // mean / variance normalisation over speech frames
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) { const v = X[t * d + c]!; mean[c] += v; sq[c] += v * v; }
  for (let c = 0; c < d; c++) {
    mean[c] = mean[c]! / Math.max(1, n);
    sq[c] = 1 / Math.sqrt(Math.max(1e-8, sq[c]! / Math.max(1, n) - mean[c]! ** 2));
  }
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) X[t * d + c] = (X[t * d + c]! - mean[c]!) * sq[c]!;
  return X;
}

/**
 * The matrix of buildMatrix, value for value, without holding it: each speech frame's raw
 * statics (a FeatureStore, which spills to disk on long recordings), the raw statics of the
 * few other frames the deltas read at region edges, and the normalisation; rows (statics and
 * deltas, normalised) are built when read. The diarizer reads it by stretches of rows.
 */
export class SpeechFrameMatrix implements Rows {
  readonly d = NUM_CEPS * 2;
  readonly n: number;
  private readonly raw: FeatureStore;
  /** Raw statics of the frames read for deltas that are not (contiguous) speech frames. */
  private readonly context = new Map<number, Float32Array>();
  private readonly idx: Int32Array;
  private readonly last: number;
  private readonly mean = new Float64Array(NUM_CEPS * 2);
  private readonly scale = new Float64Array(NUM_CEPS * 2);
  private readonly nb = [0, 1, 2, 3].map(() => new Float32Array(NUM_CEPS));
  private readonly x = new Float32Array(NUM_CEPS * 2);

  /** `spill`: the raw statics' FeatureStore layout (rows kept in memory before spilling, rows per block). */
  constructor(fs: FeatureStore, sf: SpeechFrames, spill?: { spillRows: number; blockRows: number }) {
    this.raw = new FeatureStore(NUM_CEPS, spill?.spillRows, spill?.blockRows);
    const idx = sf.idx;
    this.idx = idx;
    this.n = idx.length;
    this.last = fs.rows - 1;
    const d = this.d, n = this.n, x = this.x;
    const mean = this.mean, sq = this.scale;
    const row = new Float32Array(NUM_CEPS);
    for (let t = 0; t < n; t++) {
      fs.get(idx[t]!, row);
      this.raw.append(row);
      for (let c = 0; c < NUM_CEPS; c++) x[c] = row[c]!;
      this.unnormalised(t, (p, j, out) => {
        fs.get(j, out);
        if (p < 0 && !this.context.has(j)) this.context.set(j, out.slice());
      });
      for (let c = 0; c < d; c++) { const v = x[c]!; mean[c] += v; sq[c] += v * v; }
    }
    for (let c = 0; c < d; c++) {
      mean[c] = mean[c]! / Math.max(1, n);
      sq[c] = 1 / Math.sqrt(Math.max(1e-8, sq[c]! / Math.max(1, n) - mean[c]! ** 2));
    }
  }

  /**
   * Row t before normalisation into this.x, as buildMatrix computes it; `read(p, j, out)`
   * gives frame j's raw statics, p its speech-frame position or -1 when it is not one.
   */
  private unnormalised(t: number, read: (p: number, j: number, out: Float32Array) => void): void {
    const idx = this.idx, n = this.n, x = this.x, nb = this.nb;
    const i = idx[t]!;
    const at = (j: number, out: Float32Array) => {
      const p = t + (j - i);
      read(p >= 0 && p < n && idx[p] === j ? p : -1, j, out);
    };
    for (let k = 1; k <= 2; k++) {
      at(Math.min(this.last, i + k), nb[k - 1]!);
      at(Math.max(0, i - k), nb[k + 1]!);
    }
    for (let c = 0; c < NUM_CEPS; c++) {
      let dl = 0;
      for (let k = 1; k <= 2; k++) dl += k * (nb[k - 1]![c]! - nb[k + 1]![c]!);
      x[NUM_CEPS + c] = dl / DELTA_DEN;
    }
  }

  block(from: number, to: number): Float32Array {
    const d = this.d, mean = this.mean, sq = this.scale, idx = this.idx, n = this.n, last = this.last;
    // both buffers are reused from call to call (Rows: read a block, do not keep it)
    const out = this.reuse("out", Math.max(0, to - from) * d);
    // raw statics of speech frames [lo, hi): the rows and their ±2 neighbours, read once
    const lo = Math.max(0, from - 2), hi = Math.min(n, to + 2);
    const local = this.reuse("local", Math.max(0, hi - lo) * NUM_CEPS);
    for (let p = lo; p < hi; p++) this.raw.get(p, local.subarray((p - lo) * NUM_CEPS, (p - lo + 1) * NUM_CEPS));
    const offs = new Int32Array(4);
    const srcs: Float32Array[] = [local, local, local, local];
    for (let t = from; t < to; t++) {
      const i = idx[t]!;
      // neighbours in the order of buildMatrix: +1, +2 (ahead), -1, -2 (behind)
      for (let q = 0; q < 4; q++) {
        const k = (q & 1) + 1;
        const j = q < 2 ? Math.min(last, i + k) : Math.max(0, i - k);
        const p = t + (j - i);
        if (p >= 0 && p < n && idx[p] === j) {
          srcs[q] = local;
          offs[q] = (p - lo) * NUM_CEPS;
        } else {
          srcs[q] = this.context.get(j)!;
          offs[q] = 0;
        }
      }
      const so = (t - lo) * NUM_CEPS;
      const o = (t - from) * d;
      const a1 = srcs[0]!, a2 = srcs[1]!, b1 = srcs[2]!, b2 = srcs[3]!;
      const oa1 = offs[0]!, oa2 = offs[1]!, ob1 = offs[2]!, ob2 = offs[3]!;
      for (let c = 0; c < NUM_CEPS; c++) {
        out[o + c] = (local[so + c]! - mean[c]!) * sq[c]!;
        let dl = 0;
        dl += 1 * (a1[oa1 + c]! - b1[ob1 + c]!);
        dl += 2 * (a2[oa2 + c]! - b2[ob2 + c]!);
        // the delta rounded to float32 first, as buildMatrix stores it
        out[o + NUM_CEPS + c] = (Math.fround(dl / DELTA_DEN) - mean[NUM_CEPS + c]!) * sq[NUM_CEPS + c]!;
      }
    }
    return out;
  }

  private buffers = { out: new Float32Array(0), local: new Float32Array(0) };
  private reuse(name: "out" | "local", length: number): Float32Array {
    if (this.buffers[name].length < length) this.buffers[name] = new Float32Array(Math.ceil(length * 1.25));
    return this.buffers[name].subarray(0, length);
  }

  dispose(): void {
    this.raw.dispose();
    this.context.clear();
    this.buffers = { out: new Float32Array(0), local: new Float32Array(0) };
  }
}

export interface ClusterOutput {
  /** One label per speech frame. */
  labels: Int32Array;
  /** Per speech frame: posterior of the assigned speaker under the resegmentation GMMs (undefined with one speaker). */
  conf?: Float32Array;
  count: SpeakerCountInfo;
}

/**
 * Clusters the speech frames; returns one label per speech frame (or empty when no speech),
 * the per-frame posterior of the assigned speaker and how sure the count is.
 */
export function clusterFrames(matrix: Float32Array | Rows, d: number, regionStart: Uint8Array, speakers: number, p: ClassicParams): ClusterOutput {
  const X = asRows(matrix, d);
  const n = X.n;
  const given = (k: number): SpeakerCountInfo => ({ count: k, confidence: 1, source: "given" });
  if (n === 0 || speakers === 1 || n < p.winFrames) {
    return { labels: new Int32Array(n), count: speakers > 0 ? given(speakers === 1 ? 1 : speakers) : { count: 1, confidence: 0.5, runnerUp: 2, source: "too-little-speech" } };
  }
  const known = speakers > 0 ? speakers : -1;
  if (known < 0 && n < p.minDetectSec * FRAME_RATE) return { labels: new Int32Array(n), count: { count: 1, confidence: 0.5, runnerUp: 2, source: "too-little-speech" } };
  if (p.method === 0 || p.method === 1) {
    const i = p.method === 0 ? bicCluster(X, d, speakers, p) : svCluster(X, d, speakers, p);
    const r = resegment(X, d, regionStart, i.labels, i.k, known, p);
    return { labels: r.labels, conf: r.conf, count: known > 0 ? given(known) : { count: r.k, confidence: 0.5, source: "detected" } };
  }
  if (known > 0 && p.method === 3 && p.knownCut === 0 && n >= p.minDetectSec * FRAME_RATE) {
    // A known count above what the recording supports (the detected count) would split real
    // speakers; instead keep the detected solution and give each extra speaker the most
    // atypical window (lowest mean similarity to the rest of its cluster).
    const detOut = clusterFrames(X, d, regionStart, -1, p);
    const det = detOut.labels;
    let kd = 0;
    for (let t = 0; t < n; t++) if (det[t]! + 1 > kd) kd = det[t]! + 1;
    if (process.env.DIAR_DEBUG) console.error(`known ${known} detected ${kd}`);
    // a given count above the detected one: the known-count path in the learned space (knownSpace)
    if (kd < known && p.knownSpace > 0 && p.space === 0 && loadSpeakerSpace()) return clusterFrames(X, d, regionStart, speakers, { ...p, space: 1 });
    if (kd < known) {
      const wins = makeWindows(n, p.svWin, p.svHop);
      const C = cosineMatrix(windowStatsEmbedding(X, d, wins, d / 2), wins.length, d);
      const W = wins.length;
      const wl = wins.map(([s0, e0]) => det[(s0 + e0) >> 1]!);
      const atyp = wins.map((_, w) => {
        let m = 0, c = 0;
        for (let v = 0; v < W; v++) if (v !== w && wl[v] === wl[w]) { m += C[w * W + v]!; c++; }
        return c ? m / c : Infinity;
      });
      const order = Array.from({ length: W }, (_, w) => w).sort((x, y) => atyp[x]! - atyp[y]!);
      const out = Int32Array.from(det);
      const conf = detOut.conf ? Float32Array.from(detOut.conf) : new Float32Array(n).fill(1);
      const taken = new Uint8Array(n);
      let j = 0;
      for (const w of order) {
        if (kd + j >= known) break;
        const [s0, e0] = wins[w]!;
        let free = true;
        for (let t = s0; t < e0; t++) if (taken[t]) free = false;
        if (!free) continue;
        // the forced speaker's window is a guess: its confidence is that of a coin toss among N
        for (let t = s0; t < e0; t++) { out[t] = kd + j; taken[t] = 1; conf[t] = 1 / known; }
        j++;
      }
      return { labels: out, conf, count: given(known) };
    }
  }
  // the count comes from the window clustering (learned speaker space, or the z-scored
  // statistics); with that count, both the statistics partition and the ΔBIC tree cut at K are
  // resegmented and the better fit is kept
  const st = statsCluster(X, d, speakers, p);
  const count = known > 0 ? given(known) : st.count!;
  const a = resegment(X, d, regionStart, st.labels, st.k, known, p);
  if (p.method === 2 || st.k === 1) return { labels: a.labels, conf: a.conf, count: { ...count, count: a.k } };
  const bi = bicCluster(X, d, st.k, p);
  const b = resegment(X, d, regionStart, bi.labels, bi.k, known, p);
  if (process.env.DIAR_DEBUG) console.error(`stats K ${a.k} score ${a.score.toFixed(3)} | bic K ${b.k} score ${b.score.toFixed(3)}`);
  if (p.consensus > 0 && a.k === b.k && a.k > 1) {
    const c = resegment(X, d, regionStart, consensusLabels(a.labels, b.labels, a.k), a.k, known, p);
    if (process.env.DIAR_DEBUG) console.error(`consensus K ${c.k} score ${c.score.toFixed(3)}`);
    if (c.k === a.k) return { labels: c.labels, conf: c.conf, count: { ...count, count: c.k } };
  }
  if (p.method === 4 && b.k === st.k) return { labels: b.labels, conf: b.conf, count: { ...count, count: b.k } };
  const pick = b.k === st.k && (a.k !== st.k || b.score > a.score) ? b : a;
  return { labels: pick.labels, conf: pick.conf, count: { ...count, count: pick.k } };
}

/**
 * Frames where two K-speaker labelings agree (after matching b's speakers to a's greedily by
 * overlap) keep a's label; the others get −1 (not used to train the speaker models).
 */
export function consensusLabels(a: Int32Array, b: Int32Array, K: number): Int32Array {
  const ov = new Float64Array(K * K);
  for (let t = 0; t < a.length; t++) ov[a[t]! * K + b[t]!]++;
  const map = new Int32Array(K).fill(-1);
  const usedA = new Uint8Array(K);
  for (let r = 0; r < K; r++) {
    let best = -1, bi = 0, bj = 0;
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) if (!usedA[i] && map[j] < 0 && ov[i * K + j]! > best) { best = ov[i * K + j]!; bi = i; bj = j; }
    usedA[bi] = 1;
    map[bj] = bi;
  }
  const out = new Int32Array(a.length);
  for (let t = 0; t < a.length; t++) out[t] = map[b[t]!] === a[t] ? a[t]! : -1;
  return out;
}

interface Init {
  labels: Int32Array;
  k: number;
  count?: SpeakerCountInfo;
}

function bicCluster(X: Rows, d: number, speakers: number, p: ClassicParams): Init {
  const n = X.n;
  const labels = new Int32Array(n);
  const bd = Math.min(d, p.bicDims);
  // the first bd columns are read in place (a copy would cost 13 floats per frame)
  // 2. uniform windows
  const wins: [number, number][] = [];
  for (let s = 0; s < n; s += p.hopFrames) {
    const e = Math.min(n, s + p.winFrames);
    if (e - s < p.winFrames / 2 && wins.length) break;
    wins.push([s, e]);
    if (e === n) break;
  }
  // 3. linear clustering of neighbours
  const lin: Cluster[] = [];
  for (let w = 0; w < wins.length; w++) {
    const st = new GaussStats(bd);
    const [s0, e0] = wins[w]!;
    st.addRows(X.block(s0, e0), 0, e0 - s0, d);
    const c = makeCluster(st, [w], p.ridge);
    const prevC = lin[lin.length - 1];
    if (prevC && wins.length > p.maxItems) {
      const merged = agglomerate([prevC, c], { lambda: p.linearLambda, ridge: p.ridge, minClusters: 1 });
      if (merged.length === 1) {
        lin[lin.length - 1] = merged[0]!;
        continue;
      }
    }
    lin.push(c);
  }
  // 4. agglomerative clustering, block-wise when there are too many segments
  const known = speakers > 0;
  const lambda = known ? p.knownLambda : p.lambda;
  let items = lin;
  while (items.length > p.maxItems) {
    const next: Cluster[] = [];
    for (let b = 0; b < items.length; b += p.maxItems) {
      const block = items.slice(b, b + p.maxItems);
      next.push(...agglomerate(block, { lambda: p.lambda, ridge: p.ridge, minClusters: known ? speakers : 1 }));
    }
    if (next.length >= items.length * 0.9) {
      // blocks do not shrink: force them down so the final step stays bounded
      const forced: Cluster[] = [];
      for (let b = 0; b < next.length; b += p.maxItems) {
        const block = next.slice(b, b + p.maxItems);
        forced.push(...agglomerate(block, { lambda: p.lambda, ridge: p.ridge, target: Math.max(1, Math.ceil(block.length / 4)) }));
      }
      items = forced;
    } else items = next;
  }
  if (process.env.DIAR_DEBUG) console.error(`windows ${wins.length} linear ${lin.length} items ${items.length}`);
  const final = agglomerate(items, known ? { lambda, ridge: p.ridge, target: speakers } : { lambda, ridge: p.ridge });
  // initial frame labels: each frame to the cluster of the window that covers it most centrally
  const winLabel = new Int32Array(wins.length);
  final.forEach((c, k) => c.members.forEach((w) => (winLabel[w] = k)));
  for (let t = 0; t < n; t++) {
    const w = Math.min(wins.length - 1, Math.max(0, Math.round((t - p.winFrames / 2) / p.hopFrames)));
    labels[t] = winLabel[w]!;
  }
  if (process.env.DIAR_DEBUG) console.error(`final ${final.length} sizes ${final.map((c) => c.stats.n).join(",")}`);
  return { labels, k: final.length };
}

/** Windows of `win` frames every `hop` frames over n frames (the last one may be shorter, ≥ win/2). */
function makeWindows(n: number, win: number, hop: number): [number, number][] {
  const wins: [number, number][] = [];
  for (let s = 0; s < n; s += hop) {
    const e = Math.min(n, s + win);
    if (e - s < win / 2 && wins.length) break;
    wins.push([s, e]);
    if (e === n) break;
  }
  return wins;
}

function selectCols(X: Float32Array, d: number, mode: number): { Y: Float32Array; dy: number } {
  if (mode === 0) return { Y: X, dy: d };
  const half = d / 2;
  const cols: number[] = [];
  if (mode === 1) for (let c = 0; c < half; c++) cols.push(c);
  else for (let c = 0; c < d; c++) if (c !== 0 && c !== half) cols.push(c);
  const n = X.length / d;
  const Y = new Float32Array(n * cols.length);
  for (let t = 0; t < n; t++) for (let j = 0; j < cols.length; j++) Y[t * cols.length + j] = X[t * d + cols[j]!]!;
  return { Y, dy: cols.length };
}

/** Initial clustering by UBM supervectors, cosine similarity and average-linkage AHC (embed.ts). */
function svCluster(rows: Rows, d: number, speakers: number, p: ClassicParams): Init {
  const n = rows.n;
  const X = rows.block(0, n); // (a comparison method: the whole matrix in memory)
  const wins = makeWindows(n, p.svWin, p.svHop);
  const { Y, dy } = selectCols(X, d, p.svCols);
  const so = { components: p.svComp, relevance: p.svRel, maxTrainFrames: p.maxTrainFrames, frameStep: 1 };
  const ubm = trainUbm(Y, dy, n, so);
  const D = ubm.m * dy;
  const S = windowSupervectors(Y, dy, wins, ubm, so);
  centreRows(S, wins.length, D);
  const C = cosineMatrix(S, wins.length, D, p.svPca, p.svWhiten > 0);
  const known = speakers > 0;
  const res = ahcAverage(C, wins.length, known ? { target: speakers } : { threshold: p.svThreshold });
  if (process.env.DIAR_DEBUG) console.error(`sv windows ${wins.length} K ${res.k} heights ${res.heights.slice(-6).map((h) => h.toFixed(2)).join(" ")}`);
  const labels = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const w = Math.min(wins.length - 1, Math.max(0, Math.round((t - p.svWin / 2) / p.svHop)));
    labels[t] = res.labels[w]!;
  }
  return { labels, k: res.k };
}

/**
 * Per-window statistics embedding: mean and standard deviation of the static MFCCs over the
 * window, each dimension z-scored across the recording's windows (speaker-normalised relative
 * to this recording), cosine similarity, average-linkage AHC.
 */
export function windowStatsEmbedding(matrix: Float32Array | Rows, d: number, wins: [number, number][], dims: number): Float32Array {
  const X = asRows(matrix, d);
  const k = 2 * dims;
  const W = wins.length;
  const V = windowStats(X, d, wins, dims);
  for (let c = 0; c < k; c++) {
    let m = 0, q = 0;
    for (let w = 0; w < W; w++) {
      m += V[w * k + c]!;
      q += V[w * k + c]! ** 2;
    }
    m /= W;
    const sd = Math.sqrt(Math.max(1e-9, q / W - m * m));
    for (let w = 0; w < W; w++) V[w * k + c] = (V[w * k + c]! - m) / sd;
  }
  return V;
}

/** Windows of the count / statistics partition: longer hops on long recordings so that at most maxWindows are clustered. */
export function countWindows(n: number, p: ClassicParams): { wins: [number, number][]; win: number; hop: number } {
  const hop = Math.max(p.svHop, Math.ceil(n / p.maxWindows));
  const win = Math.max(p.svWin, 2 * hop);
  return { wins: makeWindows(n, win, hop), win, hop };
}

/** Pairwise LLR matrix of the windows in the learned speaker space. */
export function spaceSimilarity(X: Float32Array | Rows, d: number, wins: [number, number][], space: SpeakerSpace): Float64Array {
  const V = windowStats(X, d, wins, d / 2);
  return space.llrMatrix(space.project(V, wins.length), wins.length);
}

/**
 * Average-linkage AHC on the LLR matrix stopped at `threshold`; clusters of fewer than
 * `minWindows` windows do not count as speakers: their windows join the cluster they are
 * most similar to on average. Returns labels, the count and its confidence.
 */
export function countInSpace(S: Float64Array, W: number, threshold: number, minWindows: number, space: SpeakerSpace): { labels: Int32Array; k: number; count: SpeakerCountInfo } {
  const res = ahcAverage(S, W, { threshold });
  const size = new Int32Array(res.k);
  for (let w = 0; w < W; w++) size[res.labels[w]!]!++;
  const major: number[] = [];
  for (let c = 0; c < res.k; c++) if (size[c]! >= minWindows) major.push(c);
  if (major.length === 0) major.push(Array.from(size).indexOf(Math.max(...size)));
  const map = new Int32Array(res.k).fill(-1);
  major.forEach((c, j) => (map[c] = j));
  const labels = new Int32Array(W);
  for (let w = 0; w < W; w++) {
    const c = res.labels[w]!;
    if (map[c]! >= 0) { labels[w] = map[c]!; continue; }
    let best = -Infinity, bj = 0;
    major.forEach((mc, j) => {
      let s = 0, m = 0;
      for (let v = 0; v < W; v++) if (res.labels[v] === mc) { s += S[w * W + v]!; m++; }
      if (m && s / m > best) { best = s / m; bj = j; }
    });
    labels[w] = bj;
  }
  const k = major.length;
  const m = decisionMargin(res, threshold, k);
  return { labels, k, count: { count: k, confidence: space.countConfidence(m.margin), runnerUp: m.runnerUp, source: "detected" } };
}

/**
 * How close a thresholded AHC came to another count: the distance of the last merge made
 * (above the threshold) and of the merge refused (below it) from the threshold; the nearer
 * one names the runner-up count (K+1 or K−1). Infinite distances are capped at 10.
 */
export function decisionMargin(res: { heights: number[]; next: number }, threshold: number, k: number): { margin: number; runnerUp: number } {
  const last = res.heights.length ? res.heights[res.heights.length - 1]! : Infinity;
  const up = last - threshold;
  const down = threshold - res.next;
  const margin = Math.min(10, up, down);
  return { margin, runnerUp: k === 1 ? 2 : up < down ? k + 1 : k - 1 };
}

/** The previous design's count threshold on z-scored statistics: −(svThreshold + svNoise/√W). */
export function statsThreshold(W: number, p: ClassicParams): number {
  return -(p.svThreshold + p.svNoise / Math.sqrt(W));
}

/**
 * Median similarity of window pairs that touch end to start (w and the first window starting
 * where w ends): almost always one speaker, since turns last longer than a window, so it
 * measures how alike one speaker's windows are in this recording (noise, room, window length).
 */
export function touchingSimilarity(S: Float64Array, wins: [number, number][]): number {
  const W = wins.length;
  const v: number[] = [];
  let j = 0;
  for (let i = 0; i < W; i++) {
    while (j < W && wins[j]![0] < wins[i]![1]) j++;
    if (j < W && wins[j]![0] === wins[i]![1]) v.push(S[i * W + j]!);
  }
  if (v.length === 0) return 0;
  v.sort((a, b) => a - b);
  return v[v.length >> 1]!;
}

/** All merge heights of the full average-linkage tree in the speaker space (for fitting the count rule). */
export function spaceMergeHeights(X: Float32Array | Rows, d: number, p: ClassicParams, space: SpeakerSpace): { heights: number[]; W: number } {
  const n = asRows(X, d).n;
  const { wins } = countWindows(n, p);
  const S = spaceSimilarity(X, d, wins, space);
  return { heights: ahcAverage(S, wins.length, { target: 1 }).heights, W: wins.length };
}

function statsCluster(X: Rows, d: number, speakers: number, p: ClassicParams): Init {
  const n = X.n;
  const { wins, win, hop } = countWindows(n, p);
  const known = speakers > 0;
  const space = p.space > 0 ? loadSpeakerSpace() : null;
  let winLabels: Int32Array, k: number;
  let count: SpeakerCountInfo | undefined;
  if (space) {
    const S = spaceSimilarity(X, d, wins, space);
    if (known) {
      const res = ahcAverage(S, wins.length, { target: speakers });
      winLabels = res.labels;
      k = res.k;
    } else {
      const th = Number.isNaN(p.spaceThreshold) ? space.threshold : p.spaceThreshold;
      const res = countInSpace(S, wins.length, th, Number.isNaN(p.minClusterWindows) ? space.file.minClusterWindows : p.minClusterWindows, space);
      winLabels = res.labels;
      k = res.k;
      count = res.count;
    }
  } else {
    const dims = d / 2;
    const V = windowStatsEmbedding(X, d, wins, dims);
    const C = cosineMatrix(V, wins.length, 2 * dims, p.svPca, p.svWhiten > 0);
    const th = p.svAdapt > 0 ? p.svAdapt * touchingSimilarity(C, wins) - p.svThreshold : statsThreshold(wins.length, p);
    const res = ahcAverage(C, wins.length, known ? { target: speakers } : { threshold: th });
    const m = decisionMargin(res, th, res.k);
    winLabels = res.labels;
    k = res.k;
    // calibrated on simulated conversations (train:speaker); 0.5 without the fitted file
    const cal = loadSpeakerSpace()?.file.statsConfidence;
    count = { count: k, confidence: cal ? 1 / (1 + Math.exp(-(cal.a + cal.b * m.margin))) : 0.5, runnerUp: m.runnerUp, source: "detected" };
  }
  if (process.env.DIAR_DEBUG) console.error(`count windows ${wins.length} K ${k} ${count ? JSON.stringify(count) : ""}`);
  const labels = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const w = Math.min(wins.length - 1, Math.max(0, Math.round((t - win / 2) / hop)));
    labels[t] = winLabels[w]!;
  }
  return { labels, k, count };
}

function resegment(X: Rows, d: number, regionStart: Uint8Array, labels: Int32Array, K: number, known: number, p: ClassicParams): Reseg {
  const n = labels.length;
  // decode on every `frameStep`-th frame of each region (labels of skipped frames follow)
  const step = Math.max(1, p.frameStep);
  const keptIdx = new Int32Array(n);
  const keptStart = new Uint8Array(n);
  let m0 = 0;
  let sinceStart = 0;
  for (let t = 0; t < n; t++) {
    if (regionStart[t] || t === 0) sinceStart = 0;
    if (sinceStart % step === 0) {
      keptIdx[m0] = t;
      keptStart[m0++] = sinceStart === 0 ? 1 : 0;
    }
    sinceStart++;
  }
  const kept = keptIdx.slice(0, m0);
  const keptRegionStart = keptStart.slice(0, m0);
  const m = kept.length;
  const minFrames = Math.max(2, Math.round((p.minDurSec * FRAME_RATE) / step));
  let extra = 0;
  let score = 0;
  let keptConf: Float32Array | undefined;
  const ubm = p.resegMap > 0 && K > 1 ? trainUbm(X, d, n, { components: p.gmmComponents, maxTrainFrames: p.maxTrainFrames }) : null;
  for (let it = 0; it < p.resegIters; it++) {
    const counts = new Int32Array(K);
    for (let t = 0; t < n; t++) if (labels[t]! >= 0) counts[labels[t]!]!++;
    const live: number[] = [];
    for (let k = 0; k < K; k++) if (counts[k]! > 0 && (known > 0 || counts[k]! >= p.minSpeakerSec * FRAME_RATE || K === 1)) live.push(k);
    if (live.length === 0) live.push(0);
    const models: DiagGMM[] = live.map((k) => {
      const stp = Math.max(1, Math.ceil(counts[k]! / p.maxTrainFrames));
      const rows: number[] = [];
      let c = 0;
      for (let t = 0; t < n; t++) if (labels[t] === k && c++ % stp === 0) rows.push(t);
      // the training rows gathered into one small matrix (same values, same order)
      const G = gatherRows(X, Int32Array.from(rows));
      if (ubm) return mapAdapt(ubm, G, rows.length, p.resegMap);
      return trainGMM(G, d, Int32Array.from(rows, (_, j) => j), p.gmmComponents);
    });
    const L = live.length;
    const ll = new Float32Array(m * L);
    const comp = new Float64Array(p.gmmComponents);
    // decoded frames read by stretches of SPAN speech frames
    for (let q = 0; q < m; ) {
      const t0 = kept[q]!;
      const t1 = Math.min(n, t0 + SPAN);
      const blk = X.block(t0, t1);
      for (; q < m && kept[q]! < t1; q++) for (let j = 0; j < L; j++) ll[q * L + j] = models[j]!.logLik(blk, kept[q]! - t0, comp);
    }
    const path = viterbiMinDuration(ll, m, L, keptRegionStart, minFrames, p.switchPenalty);
    score = 0;
    for (let q2 = 0; q2 < m; q2++) score += ll[q2 * L + path[q2]!]!;
    score /= Math.max(1, m);
    if (L > 1) {
      // posterior of the decoded speaker per frame (equal priors)
      keptConf = new Float32Array(m);
      for (let q2 = 0; q2 < m; q2++) {
        let mx = -Infinity;
        for (let j = 0; j < L; j++) mx = Math.max(mx, ll[q2 * L + j]!);
        let z = 0;
        for (let j = 0; j < L; j++) z += Math.exp(ll[q2 * L + j]! - mx);
        keptConf[q2] = Math.exp(ll[q2 * L + path[q2]!]! - mx) / z;
      }
    } else keptConf = undefined;
    let q = 0;
    for (let t = 0; t < n; t++) {
      while (q + 1 < m && kept[q + 1]! <= t) q++;
      labels[t] = path[q]!;
    }
    K = L;
    if (known < 0 && K > 1 && p.finalLambda > 0) {
      // re-check the speaker count on the resegmented (purer, larger) clusters
      const bd = Math.min(d, p.bicDims);
      const stats = Array.from({ length: K }, () => new GaussStats(bd));
      for (let t = 0; t < n; t++) addRowCols(stats[labels[t]!]!, X.block(t, t + 1), d, 0);
      const cls = stats.map((st, k) => makeCluster(st, [k], p.ridge));
      const merged = agglomerate(cls.filter((c) => c.stats.n > 0), { lambda: p.finalLambda, ridge: p.ridge });
      if (process.env.DIAR_DEBUG) console.error(`reseg it ${it}: ${K} -> ${merged.length} (${cls.map((c) => c.stats.n).join(",")})`);
      if (merged.length < K) {
        const map = new Int32Array(K);
        merged.forEach((c, j) => c.members.forEach((k) => (map[k] = j)));
        for (let t = 0; t < n; t++) labels[t] = map[labels[t]!]!;
        K = merged.length;
        if (it === p.resegIters - 1 && extra++ < 2) it--; // up to two more passes after a merge
      }
    }
  }
  let conf: Float32Array | undefined;
  if (keptConf) {
    conf = new Float32Array(n);
    let q = 0;
    for (let t = 0; t < n; t++) {
      while (q + 1 < m && kept[q + 1]! <= t) q++;
      conf[t] = keptConf[q]!;
    }
  }
  return { labels, k: K, score, conf };
}

/**
 * A speaker model MAP-adapted from the recording's UBM (Reynolds et al. 2000): means move
 * towards the speaker's frames by Nₖ/(Nₖ + r); weights and variances stay the UBM's, so the
 * speakers' models differ only where their data say so.
 */
function mapAdapt(ubm: DiagGMM, G: Float32Array, rows: number, relevance: number): DiagGMM {
  const d = ubm.d, M = ubm.m;
  const N = new Float64Array(M), F = new Float64Array(M * d), comp = new Float64Array(M);
  for (let r = 0; r < rows; r++) {
    const ll = ubm.logLik(G, r, comp);
    for (let k = 0; k < M; k++) {
      const g = Math.exp(comp[k]! - ll);
      if (g < 1e-5) continue;
      N[k] = N[k]! + g;
      for (let i = 0; i < d; i++) F[k * d + i] = F[k * d + i]! + g * G[r * d + i]!;
    }
  }
  const means = new Float64Array(M * d);
  for (let k = 0; k < M; k++) {
    for (let i = 0; i < d; i++) means[k * d + i] = (F[k * d + i]! + relevance * ubm.means[k * d + i]!) / (N[k]! + relevance);
  }
  return new DiagGMM(d, Float64Array.from(ubm.weights), means, Float64Array.from(ubm.vars));
}

interface Reseg {
  labels: Int32Array;
  k: number;
  /** Per speech frame: posterior of the decoded speaker (undefined with one speaker). */
  conf?: Float32Array;
  /** Mean log-likelihood per decoded frame under the final speaker models. */
  score: number;
}

function addRowCols(st: GaussStats, X: Float32Array, d: number, t: number): void {
  const bd = st.d;
  const o = t * d;
  let q = 0;
  for (let i = 0; i < bd; i++) {
    const xi = X[o + i]!;
    st.sum[i] = st.sum[i]! + xi;
    for (let j = 0; j <= i; j++) st.sq[q] = st.sq[q++]! + xi * X[o + j]!;
  }
  st.n++;
}

/** Turns from per-speech-frame labels, clipped to the VAD regions. Ids by first appearance. */
export function labelsToTurns(sf: SpeechFrames, labels: Int32Array, speech: { start: number; end: number }[], conf?: Float32Array): Turn[] {
  const ids = new Map<number, string>();
  const turns: Turn[] = [];
  // mean frame posterior of the assigned speaker over each turn's frames
  let cs = 0, cn = 0;
  const close = (x: Turn) => {
    if (conf) x.speakerConfidence = cn ? Math.round((cs / cn) * 1000) / 1000 : 1;
    else x.speakerConfidence = 1;
    cs = 0;
    cn = 0;
  };
  const half = 0.5 / FRAME_RATE;
  const regs = speech.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  let ri = 0;
  let cur: Turn | undefined;
  let curLab = -1;
  for (let t = 0; t < sf.idx.length; t++) {
    const tc = frameTime(sf.idx[t]!);
    while (ri < regs.length - 1 && regs[ri]!.end < tc - half) ri++;
    const reg = regs[ri]!;
    const lab = labels[t]!;
    if (!ids.has(lab)) ids.set(lab, String(ids.size));
    const s = Math.max(reg.start, tc - half);
    const e = Math.min(reg.end, tc + half);
    if (cur && curLab === lab && !sf.regionStart[t]) {
      cur.end = e;
    } else {
      if (cur) { close(cur); turns.push(cur); }
      // within a region the new turn starts exactly where the previous one ended
      cur = { speaker: ids.get(lab)!, start: sf.regionStart[t] ? reg.start : cur ? cur.end : s, end: e };
      curLab = lab;
    }
    if (conf) { cs += conf[t]!; cn++; }
    const nextStarts = t + 1 >= sf.idx.length || sf.regionStart[t + 1];
    if (nextStarts) cur.end = reg.end;
  }
  if (cur) { close(cur); turns.push(cur); }
  return turns.filter((x) => x.end > x.start);
}

/** Diarizes a mono feature store (MFCC rows) given its speech regions. */
export function diarizeFeatures(fs: FeatureStore, req: DiarizeRequest, params: Partial<ClassicParams> = {}): Turn[] {
  return diarizeFeaturesDetailed(fs, req, params).turns;
}

/** Same, with how sure the speaker count is. `release`: dispose of `fs` once the speech-frame matrix is built. */
export function diarizeFeaturesDetailed(fs: FeatureStore, req: DiarizeRequest, params: Partial<ClassicParams> = {}, release = false): DiarizeResult {
  const p = { ...DEFAULT_PARAMS, ...params };
  const sf = speechFrames(fs.rows, req.speech);
  if (sf.idx.length === 0) {
    if (release) fs.dispose();
    return { turns: [], count: { count: 0, confidence: 1, source: "too-little-speech" } };
  }
  const d = NUM_CEPS * 2;
  const X = new SpeechFrameMatrix(fs, sf);
  if (release) fs.dispose();
  let out: ClusterOutput;
  try {
    out = clusterFrames(X, d, sf.regionStart, req.speakers, p);
  } finally {
    X.dispose();
  }
  const turns = labelsToTurns(sf, out.labels, req.speech, out.conf);
  const ids = new Set(turns.map((t) => t.speaker));
  const count = { ...out.count, count: ids.size };
  if (count.runnerUp === count.count) count.runnerUp = count.count + 1;
  return { turns: p.cutInOverlap > 0 ? addCutInOverlap(turns, p.cutInOverlap) : turns, count };
}

export class ClassicDiarizer implements Diarizer {
  readonly name = "classic-mfcc-bic-gmm";
  constructor(private readonly params: Partial<ClassicParams> = {}) {}
  createSession(): DiarizerSession {
    const ex = new MfccExtractor();
    const params = this.params;
    return {
      push: (chunk) => ex.push(chunk),
      // the session's frames are needed only to build the speech-frame matrix: freed right after
      finish: (req) => diarizeFeaturesDetailed(ex.finish(), req, params, true).turns,
      finishDetailed: (req) => diarizeFeaturesDetailed(ex.finish(), req, params, true),
      get bytes() {
        return ex.features.bytes;
      },
    };
  }
}
