/**
 * The memory-saving forms of the diarizer's data give the same numbers as the plain ones: a
 * FeatureStore that spills its blocks to disk, the on-demand speech-frame matrix
 * (SpeechFrameMatrix) against buildMatrix, the resampler reusing its buffers, and the 16-bit
 * audio store spilling from the start. Real speech (test fixtures), small block sizes so
 * that the spill paths run.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StreamingResampler } from "../../src/analysis/audio/resample.js";
import { buildMatrix, diarizeFeaturesDetailed, speechFrames, SpeechFrameMatrix } from "../../src/analysis/diarization/classic.js";
import { detectSpeech16k, loadAudio, loadAudio16k } from "../../src/analysis/diarization/io.js";
import { FeatureStore, mfccOf, NUM_CEPS } from "../../src/analysis/diarization/mfcc.js";
import { gatherRows } from "../../src/analysis/diarization/rows.js";
import { SpeechStore } from "../../src/analysis/speech-store.js";

const FX = join(import.meta.dirname, "..", "fixtures");

/** A copy of `fs` into a store that keeps `spillRows` rows in memory, `blockRows` per block. */
function copyStore(fs: FeatureStore, spillRows: number, blockRows: number): FeatureStore {
  const out = new FeatureStore(fs.dim, spillRows, blockRows);
  const row = new Float32Array(fs.dim);
  for (let r = 0; r < fs.rows; r++) out.append(fs.get(r, row));
  return out;
}

describe("diarizer features on disk and on demand", async () => {
  const audio = await loadAudio16k(join(FX, "mono-two-voices.wav"));
  const signal = audio.channels[0]!;
  const speech = await detectSpeech16k(signal);
  const fs = mfccOf(signal);

  it("a spilled FeatureStore reads back every value, in any order, and frees its rows on dispose", () => {
    const spilled = copyStore(fs, 64, 32);
    expect(spilled.rows).toBe(fs.rows);
    expect(spilled.bytes).toBeLessThan(fs.rows * NUM_CEPS * 4 / 2); // most blocks are on disk
    const a = new Float32Array(NUM_CEPS), b = new Float32Array(NUM_CEPS);
    for (const r of [0, fs.rows - 1, 5, 700, 33, fs.rows >> 1, 64, 63, 95, 96]) expect(spilled.get(r, a)).toEqual(fs.get(r, b));
    for (let r = 0; r < fs.rows; r += 7) expect(spilled.value(r, 3)).toBe(fs.value(r, 3));
    spilled.dispose();
    expect(spilled.rows).toBe(0);
    expect(() => spilled.get(700, a)).toThrow();
  });

  it("SpeechFrameMatrix gives buildMatrix's rows exactly, in memory and spilled", () => {
    const sf = speechFrames(fs.rows, speech);
    expect(sf.idx.length).toBeGreaterThan(500);
    expect(sf.idx.length).toBeLessThan(fs.rows); // some frames are not speech: the deltas read across edges
    const X = buildMatrix(fs, sf);
    const d = 2 * NUM_CEPS;
    for (const spill of [undefined, { spillRows: 64, blockRows: 32 }]) {
      const M = new SpeechFrameMatrix(copyStore(fs, 64, 32), sf, spill);
      expect(M.n).toBe(sf.idx.length);
      expect(M.block(0, M.n)).toEqual(X);
      expect(M.block(10, 250)).toEqual(X.subarray(10 * d, 250 * d));
      const rows = Int32Array.from([0, 3, 4, 99, 500, M.n - 1]);
      const g = gatherRows(M, rows, 50);
      rows.forEach((r, j) => expect(g.subarray(j * d, (j + 1) * d)).toEqual(X.subarray(r * d, (r + 1) * d)));
      M.dispose();
    }
  });

  it("diarizing a spilled, released store gives the same turns as the plain one", () => {
    const req = { speakers: -1, speech };
    const plain = diarizeFeaturesDetailed(fs, req);
    const spilled = copyStore(fs, 64, 32);
    const fromSpilled = diarizeFeaturesDetailed(spilled, req, {}, true);
    expect(fromSpilled).toEqual(plain);
    expect(spilled.rows).toBe(0); // released once the matrix was built
    expect(plain.turns.length).toBeGreaterThan(1);
  });

  it("the resampler reusing its buffers gives the same samples", async () => {
    const a = await loadAudio(join(FX, "speech-stereo-48k.wav"));
    const x = a.channels[0]!;
    for (const step of [4800, 48000, 7777]) {
      const plain = new StreamingResampler(a.sampleRate, 16000);
      const reuse = new StreamingResampler(a.sampleRate, 16000, true);
      const p: number[] = [], q: number[] = [];
      for (let s = 0; s < x.length; s += step) {
        const c = x.subarray(s, Math.min(x.length, s + step));
        p.push(...plain.push(c));
        q.push(...reuse.push(c)); // read before the next push
      }
      p.push(...plain.flush());
      q.push(...reuse.flush());
      expect(q).toEqual(p);
    }
  });

  it("the audio store spilling from the start reads the same samples", () => {
    const plain = new SpeechStore(1);
    const early = new SpeechStore(1, 3600);
    for (let s = 0; s < signal.length; s += 16000) {
      const c = signal.subarray(s, Math.min(signal.length, s + 16000));
      plain.append([c]);
      early.append([c]);
    }
    try {
      expect(early.duration).toBe(plain.duration);
      for (const [a, b] of [[0, 1], [0.5, 2.25], [1.3, plain.duration]] as const) expect(early.read("0", a, b)).toEqual(plain.read("0", a, b));
    } finally {
      plain.dispose();
      early.dispose();
    }
  });
});
