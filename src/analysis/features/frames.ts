/**
 * Frame-level acoustic features shared by the affect metrics (energy, pace, questions, tone,
 * emotion). Everything here is plain signal processing on 16 kHz mono Float32 samples, with
 * typed arrays and no allocation per frame, so it runs far faster than real time.
 *
 * Frames: hop 10 ms. For each frame:
 *  - `db`     intensity in dBFS (full-scale sine = -3 dBFS) over a 32 ms window centred on the frame;
 *  - `f0`     fundamental frequency in Hz (0 = unvoiced), from the normalised cross-correlation
 *             (NCCF) of the signal low-passed and decimated to 8 kHz, 40 ms window, 60–500 Hz,
 *             every 20 ms (held for the 10 ms frame between), voicing threshold NCCF >= 0.5,
 *             smallest lag within 10 % of the best peak (avoids sub-octave picks), values beyond
 *             2.5x / 0.4x the chunk's median of strongly periodic frames dropped, a 5-frame median
 *             and octave-jump correction;
 *  - `voicing` the NCCF peak value (0..1): periodicity, a harmonics-to-noise proxy;
 *  - `alpha`  alpha ratio in dB: energy in 1–4 kHz over energy in 50 Hz–1 kHz (512-point FFT,
 *             Hann window), computed on every other frame that is above the level gate (NaN
 *             elsewhere). Limited to 4 kHz so that 8 kHz telephone audio and wideband audio are
 *             comparable. Flatter spectra (higher alpha) go with louder, tenser, aroused speech.
 *  On the same spectra (same frames, same 4 kHz limit), the eGeMAPS-style spectral descriptors
 *  used by the emotion model (Eyben et al. 2016):
 *  - `hammarberg` dB: strongest bin in 0–2 kHz minus strongest bin in 2–4 kHz;
 *  - `slopeLo` / `slopeHi`: least-squares slope of the log power spectrum (dB per kHz) in
 *             0–500 Hz and 500–1500 Hz;
 *  - `mfcc`   c1..c12 (NUM_MFCC per frame, row-major) of a 24-band mel filterbank over
 *             100–3800 Hz (log, DCT-II); c0 (gain) is left out. Band-limited like the rest, so
 *             telephone and wideband audio give the same coefficients.
 *
 * Frames below the level gate (-60 dBFS, or 45 dB under the chunk's loudest frame) are not
 * analysed for pitch or spectrum.
 */

export const SAMPLE_RATE = 16000;
export const HOP_SECONDS = 0.01;
const HOP = 160;
const WIN_DB = 512; // 32 ms
const PITCH_SR = 8000;
const PITCH_WIN = 320; // 40 ms at 8 kHz
const PITCH_STEP = 2; // pitch every 20 ms
const MIN_F0 = 60;
const MAX_F0 = 500;
const VOICING_THRESHOLD = 0.5;
const ABS_GATE_DB = -60;
const REL_GATE_DB = 45;

export interface FrameTrack {
  /** Time of frame 0's centre, seconds from the start of the recording. */
  start: number;
  /** Number of frames. */
  length: number;
  db: Float32Array;
  f0: Float32Array;
  voicing: Float32Array;
  alpha: Float32Array;
  /** Spectral descriptors on the alpha frames (NaN elsewhere); see the header. */
  hammarberg: Float32Array;
  slopeLo: Float32Array;
  slopeHi: Float32Array;
  /** NUM_MFCC values per frame (frame f at f * NUM_MFCC), NaN where not computed. */
  mfcc: Float32Array;
}

export const NUM_MFCC = 12;
const NUM_MEL = 24;

// ---------- FFT (radix-2, in place) ----------

const fftCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();
function fftTables(n: number) {
  let t = fftCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    const rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    fftCache.set(n, t);
  }
  return t;
}

/** In-place complex FFT of length n (power of two). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  const { cos, sin, rev } = fftTables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i]!;
    if (j > i) {
      let t = re[i]!; re[i] = re[j]!; re[j] = t;
      t = im[i]!; im[i] = im[j]!; im[j] = t;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let i = 0; i < n; i += size) {
      for (let j = 0, k = 0; j < half; j++, k += step) {
        const a = i + j;
        const b = a + half;
        const tre = re[b]! * cos[k]! - im[b]! * sin[k]!;
        const tim = re[b]! * sin[k]! + im[b]! * cos[k]!;
        re[b] = re[a]! - tre;
        im[b] = im[a]! - tim;
        re[a] = re[a]! + tre;
        im[a] = im[a]! + tim;
      }
    }
  }
}

// ---------- decimation to 8 kHz ----------

// 31-tap half-band low-pass (Hamming-windowed sinc, cut-off 3.6 kHz at 16 kHz).
const LP = (() => {
  const taps = 31;
  const h = new Float64Array(taps);
  const fc = 3600 / SAMPLE_RATE;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const m = i - (taps - 1) / 2;
    const sinc = m === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * m) / (Math.PI * m);
    const w = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < taps; i++) h[i]! /= sum;
  return h;
})();

function decimate2(x: Float32Array): Float32Array {
  const n = Math.floor(x.length / 2);
  const y = new Float32Array(n);
  const half = (LP.length - 1) / 2;
  for (let i = 0; i < n; i++) {
    const c = 2 * i;
    let acc = 0;
    const lo = c - half;
    if (lo >= 0 && c + half < x.length) {
      for (let k = 0; k < LP.length; k++) acc += LP[k]! * x[lo + k]!;
    } else {
      for (let k = 0; k < LP.length; k++) {
        const idx = lo + k;
        if (idx >= 0 && idx < x.length) acc += LP[k]! * x[idx]!;
      }
    }
    y[i] = acc;
  }
  return y;
}

// ---------- cross-correlation ----------

/**
 * out[lag] = sum_{n < PITCH_WIN} y[s + n] * y[s + n + lag] for lag in [lo, hi]. Eight lags per
 * pass share each load of y[s + n] and slide a register window along y[s + n + lag]; every
 * sum is accumulated in the same order as the plain double loop, so results are identical.
 */
export function crossCorrelate(y: Float32Array, s: number, lo: number, hi: number, out: Float64Array): void {
  let lag = lo;
  for (; lag + 7 <= hi; lag += 8) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    let b = s + lag;
    let x0 = y[b]!, x1 = y[b + 1]!, x2 = y[b + 2]!, x3 = y[b + 3]!, x4 = y[b + 4]!, x5 = y[b + 5]!, x6 = y[b + 6]!;
    for (let n = 0; n < PITCH_WIN; n++, b++) {
      const v = y[s + n]!;
      const x7 = y[b + 7]!;
      a0 += v * x0; a1 += v * x1; a2 += v * x2; a3 += v * x3;
      a4 += v * x4; a5 += v * x5; a6 += v * x6; a7 += v * x7;
      x0 = x1; x1 = x2; x2 = x3; x3 = x4; x4 = x5; x5 = x6; x6 = x7;
    }
    out[lag] = a0; out[lag + 1] = a1; out[lag + 2] = a2; out[lag + 3] = a3;
    out[lag + 4] = a4; out[lag + 5] = a5; out[lag + 6] = a6; out[lag + 7] = a7;
  }
  for (; lag <= hi; lag++) {
    let acc = 0;
    for (let n = 0; n < PITCH_WIN; n++) acc += y[s + n]! * y[s + n + lag]!;
    out[lag] = acc;
  }
}

// ---------- main analysis ----------

const HANN512 = (() => {
  const w = new Float64Array(512);
  for (let i = 0; i < 512; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 511);
  return w;
})();

/**
 * Analyse `samples` (16 kHz mono) whose first sample is at `startTime` seconds.
 * Frame i is centred at startTime + (i + 0.5) * 10 ms.
 */
export function analyseFrames(samples: Float32Array, startTime = 0): FrameTrack {
  const nFrames = Math.max(0, Math.floor(samples.length / HOP));
  const db = new Float32Array(nFrames);
  const f0 = new Float32Array(nFrames);
  const voicing = new Float32Array(nFrames);
  const alpha = new Float32Array(nFrames).fill(NaN);
  const hammarberg = new Float32Array(nFrames).fill(NaN);
  const slopeLo = new Float32Array(nFrames).fill(NaN);
  const slopeHi = new Float32Array(nFrames).fill(NaN);
  const mfcc = new Float32Array(nFrames * NUM_MFCC).fill(NaN);
  const track: FrameTrack = { start: startTime + HOP_SECONDS / 2, length: nFrames, db, f0, voicing, alpha, hammarberg, slopeLo, slopeHi, mfcc };
  if (nFrames === 0) return track;

  // Intensity: prefix sums of squares (float64) give any window's energy in O(1).
  const cum = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) cum[i + 1] = cum[i]! + samples[i]! * samples[i]!;
  let maxDb = -Infinity;
  for (let f = 0; f < nFrames; f++) {
    const c = f * HOP + HOP / 2;
    const a = Math.max(0, c - WIN_DB / 2);
    const b = Math.min(samples.length, c + WIN_DB / 2);
    const p = (cum[b]! - cum[a]!) / Math.max(1, b - a);
    const d = 10 * Math.log10(p + 1e-12);
    db[f] = d;
    if (d > maxDb) maxDb = d;
  }
  const gate = Math.max(ABS_GATE_DB, maxDb - REL_GATE_DB);

  // Pitch on the 8 kHz decimated signal.
  const y = decimate2(samples);
  const ycum = new Float64Array(y.length + 1);
  for (let i = 0; i < y.length; i++) ycum[i + 1] = ycum[i]! + y[i]! * y[i]!;
  const minLag = Math.floor(PITCH_SR / MAX_F0);
  const maxLag = Math.ceil(PITCH_SR / MIN_F0);
  const nccf = new Float64Array(maxLag + 2);
  const xc = new Float64Array(maxLag + 2);
  const rawF0 = new Float32Array(nFrames);
  // Pitch is estimated every PITCH_STEP frames (20 ms) and held for the frame in between.
  for (let f = 0; f < nFrames; f += PITCH_STEP) {
    if (db[f]! < gate) continue;
    const c = (f * HOP + HOP / 2) >> 1; // centre in 8 kHz samples
    const s = c - PITCH_WIN / 2;
    if (s < 0 || s + PITCH_WIN + maxLag + 1 > y.length) continue;
    const e0 = ycum[s + PITCH_WIN]! - ycum[s]!;
    if (e0 <= 1e-10) continue;
    crossCorrelate(y, s, minLag - 1, maxLag + 1, xc);
    let best = 0;
    for (let lag = minLag - 1; lag <= maxLag + 1; lag++) {
      const e1 = ycum[s + lag + PITCH_WIN]! - ycum[s + lag]!;
      const r = xc[lag]! / Math.sqrt(e0 * e1 + 1e-20);
      nccf[lag] = r;
      if (lag >= minLag && lag <= maxLag && r > best) best = r;
    }
    if (best < VOICING_THRESHOLD) {
      voicing[f] = Math.max(0, best);
      if (f + 1 < nFrames) voicing[f + 1] = voicing[f]!;
      continue;
    }
    // smallest lag with a local peak within 10 % of the best one
    let chosen = -1;
    for (let lag = minLag; lag <= maxLag; lag++) {
      const r = nccf[lag]!;
      if (r >= 0.9 * best && r >= nccf[lag - 1]! && r >= nccf[lag + 1]!) {
        chosen = lag;
        break;
      }
    }
    if (chosen < 0) continue;
    const a = nccf[chosen - 1]!;
    const b = nccf[chosen]!;
    const d = nccf[chosen + 1]!;
    const den = a - 2 * b + d;
    const shift = den !== 0 ? (0.5 * (a - d)) / den : 0;
    const lagF = chosen + Math.max(-0.5, Math.min(0.5, shift));
    rawF0[f] = PITCH_SR / lagF;
    voicing[f] = b;
    if (f + 1 < nFrames) {
      rawF0[f + 1] = rawF0[f]!;
      voicing[f + 1] = b;
    }
  }
  // Plausibility: voiced frames must be within [median / 2.5, median * 2.5] of the chunk's
  // strongly periodic frames (NCCF >= 0.7), which removes octave errors on weak, noisy frames.
  const strong: number[] = [];
  for (let f = 0; f < nFrames; f += PITCH_STEP) if (rawF0[f]! > 0 && voicing[f]! >= 0.7) strong.push(rawF0[f]!);
  if (strong.length >= 3) {
    strong.sort((p, q) => p - q);
    const med = strong[strong.length >> 1]!;
    for (let f = 0; f < nFrames; f++) if (rawF0[f]! > 0 && (rawF0[f]! > med * 2.5 || rawF0[f]! < med / 2.5)) rawF0[f] = 0;
  }
  // 5-frame median over voiced neighbours; drop isolated voiced frames.
  const buf: number[] = [];
  for (let f = 0; f < nFrames; f++) {
    if (rawF0[f] === 0) continue;
    buf.length = 0;
    for (let k = f - 2; k <= f + 2; k++) if (k >= 0 && k < nFrames && rawF0[k]! > 0) buf.push(rawF0[k]!);
    if (buf.length < 4) continue;
    buf.sort((p, q) => p - q);
    f0[f] = buf[buf.length >> 1]!;
  }
  // Octave-jump correction against a running reference.
  let ref = 0;
  for (let f = 0; f < nFrames; f++) {
    const v = f0[f]!;
    if (v === 0) continue;
    if (ref > 0) {
      const ratio = v / ref;
      if (ratio > 1.8 && ratio < 2.2) f0[f] = v / 2;
      else if (ratio > 0.45 && ratio < 0.55) f0[f] = v * 2;
    }
    ref = ref === 0 ? f0[f]! : 0.9 * ref + 0.1 * f0[f]!;
  }

  // Alpha ratio on every other gated frame. Two real frames share one complex FFT (frame A
  // in the real part, frame B in the imaginary part; A[k] = (Z[k] + conj Z[N-k]) / 2,
  // B[k] = (Z[k] - conj Z[N-k]) / 2i), which halves the FFT work.
  const re = new Float64Array(512);
  const im = new Float64Array(512);
  const binHz = SAMPLE_RATE / 512;
  const b50 = Math.round(50 / binHz);
  const b1k = Math.round(1000 / binHz);
  const b4k = Math.round(4000 / binHz);
  const bandRatio = (lo: number, hi: number) => 10 * Math.log10((hi + 1e-12) / (lo + 1e-12));
  const powA = new Float64Array(257);
  const powB = new Float64Array(257);
  let held = -1; // a frame waiting for its partner
  const flush = (fa: number, fb: number) => {
    const sa = fa * HOP + HOP / 2 - 256;
    const sb = fb >= 0 ? fb * HOP + HOP / 2 - 256 : -1;
    for (let i = 0; i < 512; i++) {
      re[i] = samples[sa + i]! * HANN512[i]!;
      im[i] = sb >= 0 ? samples[sb + i]! * HANN512[i]! : 0;
    }
    fft(re, im);
    let loA = 0, hiA = 0, loB = 0, hiB = 0;
    for (let k = 1; k <= b4k; k++) {
      const zr = re[k]!, zi = im[k]!, wr = re[512 - k]!, wi = im[512 - k]!;
      // 4|A[k]|^2 = (zr + wr)^2 + (zi - wi)^2 ; 4|B[k]|^2 = (zi + wi)^2 + (zr - wr)^2
      const pa = ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) * 0.25;
      const pb = ((zi + wi) * (zi + wi) + (zr - wr) * (zr - wr)) * 0.25;
      powA[k] = pa;
      powB[k] = pb;
      if (k < b50 || k >= b4k) continue;
      if (k < b1k) {
        loA += pa;
        loB += pb;
      } else {
        hiA += pa;
        hiB += pb;
      }
    }
    alpha[fa] = bandRatio(loA, hiA);
    spectralDescriptors(powA, fa, track);
    if (fb >= 0) {
      alpha[fb] = bandRatio(loB, hiB);
      spectralDescriptors(powB, fb, track);
    }
  };
  for (let f = 0; f < nFrames; f += 2) {
    if (db[f]! < gate) continue;
    const s = f * HOP + HOP / 2 - 256;
    if (s < 0 || s + 512 > samples.length) continue;
    if (held < 0) held = f;
    else {
      flush(held, f);
      held = -1;
    }
  }
  if (held >= 0) flush(held, -1);
  return track;
}

// ---------- spectral descriptors below 4 kHz (emotion features) ----------

const BIN_HZ = SAMPLE_RATE / 512;
const MEL = (() => {
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const lo = mel(100), hi = mel(3800);
  const edges: number[] = [];
  for (let i = 0; i < NUM_MEL + 2; i++) edges.push(hz(lo + ((hi - lo) * i) / (NUM_MEL + 1)) / BIN_HZ);
  const start = new Int32Array(NUM_MEL);
  const weights: Float64Array[] = [];
  for (let m = 0; m < NUM_MEL; m++) {
    const l = edges[m]!, c = edges[m + 1]!, r = edges[m + 2]!;
    const b0 = Math.ceil(l), b1 = Math.floor(r);
    const w = new Float64Array(Math.max(1, b1 - b0 + 1));
    for (let b = b0; b <= b1; b++) w[b - b0] = Math.max(0, b <= c ? (b - l) / (c - l) : (r - b) / (r - c));
    start[m] = b0;
    weights.push(w);
  }
  const dct = new Float64Array(NUM_MFCC * NUM_MEL);
  for (let k = 0; k < NUM_MFCC; k++) for (let m = 0; m < NUM_MEL; m++) dct[k * NUM_MEL + m] = Math.sqrt(2 / NUM_MEL) * Math.cos((Math.PI * (k + 1) * (m + 0.5)) / NUM_MEL);
  return { start, weights, dct };
})();
const B500 = Math.round(500 / BIN_HZ);
const B1500 = Math.round(1500 / BIN_HZ);
const B2K = Math.round(2000 / BIN_HZ);
const B4K = Math.round(4000 / BIN_HZ);
const logMel = new Float64Array(NUM_MEL);

/** Least-squares slope of 10·log10(power) against frequency (dB per kHz) over bins [a, b]. */
function spectralSlope(pow: Float64Array, a: number, b: number): number {
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  const n = b - a + 1;
  for (let k = a; k <= b; k++) {
    const x = (k * BIN_HZ) / 1000;
    const y = 10 * Math.log10(pow[k]! + 1e-12);
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

function spectralDescriptors(pow: Float64Array, f: number, track: FrameTrack): void {
  let max02 = 0, max24 = 0;
  for (let k = 1; k < B2K; k++) if (pow[k]! > max02) max02 = pow[k]!;
  for (let k = B2K; k <= B4K; k++) if (pow[k]! > max24) max24 = pow[k]!;
  track.hammarberg[f] = 10 * Math.log10((max02 + 1e-12) / (max24 + 1e-12));
  track.slopeLo[f] = spectralSlope(pow, 1, B500);
  track.slopeHi[f] = spectralSlope(pow, B500, B1500);
  for (let m = 0; m < NUM_MEL; m++) {
    const w = MEL.weights[m]!;
    const b0 = MEL.start[m]!;
    let e = 0;
    for (let i = 0; i < w.length; i++) e += w[i]! * pow[b0 + i]!;
    logMel[m] = Math.log(e + 1e-10);
  }
  for (let k = 0; k < NUM_MFCC; k++) {
    let c = 0;
    for (let m = 0; m < NUM_MEL; m++) c += MEL.dct[k * NUM_MEL + m]! * logMel[m]!;
    track.mfcc[f * NUM_MFCC + k] = c;
  }
}

/** Quantile of the values (sorted copy); NaN when empty. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const a = Float64Array.from(values as ArrayLike<number>).sort();
  const pos = Math.min(n - 1, Math.max(0, q * (n - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return a[lo]! + (a[hi]! - a[lo]!) * (pos - lo);
}

/** Hz to semitones re 1 Hz (so differences are musical intervals). */
export function hzToSemitones(hz: number): number {
  return 12 * Math.log2(hz);
}
