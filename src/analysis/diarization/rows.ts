/**
 * A row-major feature matrix read a stretch of rows at a time, so the diarizer's speech-frame
 * matrix need not exist whole: it can be a Float32Array (matrixRows) or rows built on demand
 * from a compact store (classic.ts SpeechFrameMatrix).
 */
export interface Rows {
  /** Number of rows. */
  readonly n: number;
  /** Columns per row. */
  readonly d: number;
  /** Rows [from, to) as a row-major array of (to − from) × d values: a view, valid until the next block() call (read it, do not keep it). */
  block(from: number, to: number): Float32Array;
}

/** A whole matrix in memory as Rows (blocks are views, no copies). */
export function matrixRows(X: Float32Array, d: number): Rows {
  return { n: X.length / d, d, block: (from, to) => X.subarray(from * d, to * d) };
}

/** Either form of a feature matrix as Rows. */
export function asRows(X: Float32Array | Rows, d: number): Rows {
  return X instanceof Float32Array ? matrixRows(X, d) : X;
}

/** Rows `rows` (ascending) copied into one matrix. */
export function gatherRows(X: Rows, rows: Int32Array, span = 4096): Float32Array {
  const d = X.d;
  const out = new Float32Array(rows.length * d);
  let blk: Float32Array | undefined;
  let b0 = 0, b1 = 0;
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    if (!blk || r < b0 || r >= b1) {
      b0 = r;
      b1 = Math.min(X.n, r + span);
      blk = X.block(b0, b1);
    }
    out.set(blk.subarray((r - b0) * d, (r - b0 + 1) * d), j * d);
  }
  return out;
}
