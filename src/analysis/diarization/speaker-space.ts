/**
 * A speaker space learned from data (fitted/speaker-space.json, `npm run train:speaker`).
 *
 * Window features (the same code path in training and inference): over a window of speech
 * frames of the recording-normalised MFCC matrix (classic.ts buildMatrix: per-recording mean /
 * variance normalisation), the mean and standard deviation of the NUM_CEPS static MFCCs
 * (`windowStats`, 2·NUM_CEPS numbers), each z-scored across the recording's windows
 * (`recordingWindowFeatures`).
 *
 * Projection: LDA with a shrinkage-regularised within-speaker covariance
 *   S_w' = (1 − α)·S_w + α·(tr S_w / D)·I,   W = top-k generalised eigenvectors of (S_b, S_w'),
 * scaled so that the projected within-speaker covariance is the identity (WCCN in the LDA
 * space); the fitted between-speaker variances b_i of the projected axes come with it.
 *
 * Scoring: a two-covariance (PLDA-style) likelihood ratio on the *difference* of two
 * projected windows y, z (independent of where the recording's centre lies, which the
 * per-recording normalisation moves with the number and mix of speakers):
 *   same speaker:      y − z ~ N(0, 2·I)
 *   different speakers: y − z ~ N(0, 2·(I + B))
 *   LLR = Σ_i ½·log(1 + b_i) − (y_i − z_i)²·b_i / (4·(1 + b_i))
 * LLR > 0 favours "same speaker" at even prior; clustering merges while the average LLR
 * between two clusters stays above a threshold fitted on simulated conversations
 * (src/eval/simulate.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./io.js";
import { asRows, type Rows } from "./rows.js";

export interface SpeakerSpaceFile {
  header: {
    name: string;
    description: string;
    data: string;
    date: string;
    licence: string;
    feature: string;
    trainCommand: string;
    crossValidation: unknown;
    countRule?: unknown;
    statsCountRule?: unknown;
  };
  /** Input dimension (2·NUM_CEPS). */
  inputDim: number;
  /** Output dimension k. */
  dim: number;
  /** Global mean of the window features (subtracted before projecting; cancels in differences, kept for completeness). */
  mean: number[];
  /** k × inputDim projection, row-major. */
  projection: number[];
  /** Between-speaker variance of each projected axis (within-speaker variance is 1). */
  between: number[];
  /** Average-linkage stopping threshold on the mean pairwise LLR (fitted on simulated conversations). */
  threshold: number;
  /** Clusters of fewer windows are not counted as speakers (fitted with the threshold). */
  minClusterWindows: number;
  /** Count confidence: P(count right) = σ(confA + confB·margin), margin = distance of the nearest merge height from the threshold. */
  confidence: { a: number; b: number };
  /** The same calibration for the z-scored statistics count (classic.ts, `space: 0`), margin in cosine units. */
  statsConfidence?: { a: number; b: number };
}

export class SpeakerSpace {
  readonly dim: number;
  readonly inputDim: number;
  private readonly P: Float64Array;
  private readonly mu: Float64Array;
  /** Per-axis quadratic weight b/(4(1+b)) and constant ½·log(1+b) summed. */
  private readonly wq: Float64Array;
  private readonly c0: number;
  constructor(readonly file: SpeakerSpaceFile) {
    this.dim = file.dim;
    this.inputDim = file.inputDim;
    this.P = Float64Array.from(file.projection);
    this.mu = Float64Array.from(file.mean);
    this.wq = Float64Array.from(file.between, (b) => b / (4 * (1 + b)));
    this.c0 = file.between.reduce((a, b) => a + 0.5 * Math.log(1 + b), 0);
  }

  get threshold(): number {
    return this.file.threshold;
  }

  /** Projects W rows of window features (inputDim each) into the space (W × dim). */
  project(V: Float32Array | Float64Array, W: number): Float64Array {
    const D = this.inputDim, k = this.dim;
    const Y = new Float64Array(W * k);
    const x = new Float64Array(D);
    for (let w = 0; w < W; w++) {
      for (let j = 0; j < D; j++) x[j] = V[w * D + j]! - this.mu[j]!;
      for (let i = 0; i < k; i++) {
        let s = 0;
        const o = i * D;
        for (let j = 0; j < D; j++) s += this.P[o + j]! * x[j]!;
        Y[w * k + i] = s;
      }
    }
    return Y;
  }

  /** Pairwise LLR matrix (W × W) of projected rows. */
  llrMatrix(Y: Float64Array, W: number): Float64Array {
    const k = this.dim;
    const S = new Float64Array(W * W);
    for (let a = 0; a < W; a++) {
      S[a * W + a] = this.c0;
      for (let b = a + 1; b < W; b++) {
        let q = 0;
        for (let i = 0; i < k; i++) {
          const z = Y[a * k + i]! - Y[b * k + i]!;
          q += z * z * this.wq[i]!;
        }
        const v = this.c0 - q;
        S[a * W + b] = v;
        S[b * W + a] = v;
      }
    }
    return S;
  }

  /**
   * Log marginal likelihood of a partition of the projected windows under the two-covariance
   * model (speaker mean ~ N(0, B) around the recording's centre, windows ~ N(mean, I)), up to
   * terms that do not depend on the partition: per cluster c of n windows and axis i with sum s,
   *   −½·log(1 + n·bᵢ) + ½·bᵢ·s² / (1 + n·bᵢ).
   */
  partitionLogLik(Y: Float64Array, W: number, labels: Int32Array, K: number): number {
    const k = this.dim;
    const b = this.file.between;
    const sum = new Float64Array(K * k);
    const n = new Float64Array(K);
    for (let w = 0; w < W; w++) {
      const c = labels[w]!;
      n[c]!++;
      for (let i = 0; i < k; i++) sum[c * k + i] = sum[c * k + i]! + Y[w * k + i]!;
    }
    let ll = 0;
    for (let c = 0; c < K; c++) {
      if (!n[c]) continue;
      for (let i = 0; i < k; i++) {
        const den = 1 + n[c]! * b[i]!;
        ll += -0.5 * Math.log(den) + (0.5 * b[i]! * sum[c * k + i]! ** 2) / den;
      }
    }
    return ll;
  }

  /** P(count right) from the margin of the stopping decision. */
  countConfidence(margin: number): number {
    const { a, b } = this.file.confidence;
    return 1 / (1 + Math.exp(-(a + b * margin)));
  }
}

/**
 * The space's input: window statistics (below), each dimension z-scored across the
 * recording's windows (what matters is how a window differs from the rest of this
 * recording, not the absolute levels of a room, a phone line or a microphone distance
 * distribution; this is what makes studio training data transfer).
 */
export function recordingWindowFeatures(X: Float32Array, d: number, wins: [number, number][], dims: number): Float32Array {
  const V = windowStats(X, d, wins, dims);
  const k = 2 * dims, W = wins.length;
  for (let c = 0; c < k; c++) {
    let m = 0, q = 0;
    for (let w = 0; w < W; w++) { m += V[w * k + c]!; q += V[w * k + c]! ** 2; }
    m /= Math.max(1, W);
    const sd = Math.sqrt(Math.max(1e-9, q / Math.max(1, W) - m * m));
    for (let w = 0; w < W; w++) V[w * k + c] = (V[w * k + c]! - m) / sd;
  }
  return V;
}

/**
 * Window statistics: mean and standard deviation of the first `dims` columns of X (d columns)
 * over each window. Returns W × 2·dims.
 */
export function windowStats(matrix: Float32Array | Rows, d: number, wins: [number, number][], dims: number): Float32Array {
  const X = asRows(matrix, d);
  const k = 2 * dims;
  const V = new Float32Array(wins.length * k);
  wins.forEach(([s, e], w) => {
    const blk = X.block(s, e);
    for (let c = 0; c < dims; c++) {
      let m = 0, q = 0;
      for (let t = 0; t < e - s; t++) {
        const v = blk[t * d + c]!;
        m += v;
        q += v * v;
      }
      m /= e - s;
      V[w * k + c] = m;
      V[w * k + dims + c] = Math.sqrt(Math.max(0, q / (e - s) - m * m));
    }
  });
  return V;
}

export const SPEAKER_SPACE_PATH = join(REPO_ROOT, "fitted", "speaker-space.json");

let cached: SpeakerSpace | null | undefined;

/** The committed speaker space, or null when the file is absent (the diarizer then falls back to the statistics embedding). */
export function loadSpeakerSpace(path = SPEAKER_SPACE_PATH): SpeakerSpace | null {
  if (path === SPEAKER_SPACE_PATH && cached !== undefined) return cached;
  const s = existsSync(path) ? new SpeakerSpace(JSON.parse(readFileSync(path, "utf8")) as SpeakerSpaceFile) : null;
  if (path === SPEAKER_SPACE_PATH) cached = s;
  return s;
}
