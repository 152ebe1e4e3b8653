/**
 * Channel conditions for training and simulation, in plain code (seeded, deterministic):
 * RAVDESS is 16 kHz studio speech, the product sees 8 kHz calls and far-field meetings.
 *
 * - "wide": the clip as recorded plus faint white noise (SNR 35–45 dB);
 * - "tel": telephone band: down to 8 kHz and back (nothing above ~3.8 kHz), a 300 Hz
 *   high-pass, noise at SNR 25–35 dB;
 * - "far": far-field room: Schroeder reverberator (4 feedback combs + 2 all-passes,
 *   RT60 0.3–0.8 s, direct-to-reverberant ratio −3..+6 dB), low-passed noise at SNR 10–20 dB.
 */
import { resampleAll } from "../analysis/diarization/io.js";

export type Condition = "wide" | "tel" | "far";
export const CONDITIONS: Condition[] = ["wide", "tel", "far"];

/** mulberry32: small seeded PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from a uniform source (Box–Muller). */
export function gauss(r: () => number): number {
  const u = Math.max(1e-12, r());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Adds noise at `snrDb` relative to the signal's RMS; `lowpass` ∈ [0,1) colours it (one-pole). */
export function addNoise(x: Float32Array, snrDb: number, r: () => number, lowpass = 0): Float32Array {
  const level = rms(x) / 10 ** (snrDb / 20);
  const y = new Float32Array(x.length);
  let p = 0;
  const norm = Math.sqrt((1 + lowpass) / Math.max(1e-9, 1 - lowpass)); // keep unit variance after the one-pole
  for (let i = 0; i < x.length; i++) {
    p = lowpass * p + (1 - lowpass) * gauss(r);
    y[i] = x[i]! + level * p * (lowpass > 0 ? norm : 1);
  }
  return y;
}

/** Second-order high-pass (RBJ biquad). */
export function highpass(x: Float32Array, fc: number, fs = 16000): Float32Array {
  const w0 = (2 * Math.PI * fc) / fs, q = Math.SQRT1_2;
  const al = Math.sin(w0) / (2 * q), cw = Math.cos(w0);
  const a0 = 1 + al;
  const b0 = (1 + cw) / 2 / a0, b1 = -(1 + cw) / a0, b2 = (1 + cw) / 2 / a0, a1 = (-2 * cw) / a0, a2 = (1 - al) / a0;
  const y = new Float32Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i]! + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x[i]!; y2 = y1; y1 = v;
    y[i] = v;
  }
  return y;
}

/** Schroeder reverberator: 4 parallel feedback combs then 2 all-passes; returns dry + wet. */
export function reverb(x: Float32Array, rt60: number, drrDb: number, fs = 16000): Float32Array {
  const combs = [0.0297, 0.0371, 0.0411, 0.0437].map((s) => Math.round(s * fs));
  const wet = new Float64Array(x.length);
  for (const d of combs) {
    const g = 10 ** ((-3 * d) / (rt60 * fs));
    const buf = new Float64Array(d);
    let p = 0;
    for (let i = 0; i < x.length; i++) {
      const out = buf[p]!;
      buf[p] = x[i]! + g * out;
      wet[i] = wet[i]! + out;
      p = (p + 1) % d;
    }
  }
  for (const [d, g] of [[Math.round(0.005 * fs), 0.7], [Math.round(0.0017 * fs), 0.7]] as const) {
    const buf = new Float64Array(d);
    let p = 0;
    for (let i = 0; i < x.length; i++) {
      const bo = buf[p]!;
      const v = wet[i]! + g * bo;
      buf[p] = v;
      wet[i] = bo - g * v;
      p = (p + 1) % d;
    }
  }
  let ew = 0, ed = 0;
  for (let i = 0; i < x.length; i++) { ew += wet[i]! ** 2; ed += x[i]! ** 2; }
  const k = ew > 0 ? Math.sqrt(ed / ew) / 10 ** (drrDb / 20) : 0;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! + k * wet[i]!;
  return y;
}

/** Applies one channel condition (parameters drawn from `r`). */
export function applyCondition(x: Float32Array, c: Condition, r: () => number): Float32Array {
  if (c === "wide") return addNoise(x, 35 + 10 * r(), r);
  if (c === "tel") {
    const nb = resampleAll(resampleAll(x, 16000, 8000), 8000, 16000);
    return addNoise(highpass(nb, 300), 25 + 10 * r(), r);
  }
  const rev = reverb(x, 0.3 + 0.5 * r(), -3 + 9 * r());
  return addNoise(rev, 10 + 10 * r(), r, 0.9);
}

/**
 * Energy-based speech frames of a clean clip (10 ms hops, 25 ms frames): frames within
 * `rangeDb` of the clip's loudest frame. Returns one flag per frame.
 */
export function energySpeechFrames(x: Float32Array, rangeDb = 30): Uint8Array {
  const hop = 160, len = 400;
  const n = Math.max(0, Math.floor((x.length - len) / hop) + 1);
  const db = new Float64Array(n);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < len; j++) s += x[i * hop + j]! ** 2;
    db[i] = 10 * Math.log10(s / len + 1e-12);
    if (db[i]! > mx) mx = db[i]!;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = db[i]! >= mx - rangeDb ? 1 : 0;
  return out;
}

/** First and last speech sample of a clean clip (energy frames), or null when silent. */
export function speechExtent(x: Float32Array, rangeDb = 30): { start: number; end: number } | null {
  const f = energySpeechFrames(x, rangeDb);
  let a = -1, b = -1;
  for (let i = 0; i < f.length; i++) if (f[i]) { if (a < 0) a = i; b = i; }
  return a < 0 ? null : { start: a * 160, end: Math.min(x.length, b * 160 + 400) };
}
