/**
 * Streaming MFCC extraction at 16 kHz: 25 ms Hamming windows every 10 ms, pre-emphasis 0.97,
 * 512-point real FFT, triangular mel filterbank, log, DCT-II. Everything runs in typed arrays;
 * features are appended to a compact growable Float32 store (NUM_CEPS floats per frame).
 *
 * Bandwidth: telephone audio stored at 16 kHz has nothing above ~4 kHz; mel bands up there
 * would only carry noise. The extractor measures the share of energy above 4 kHz over the
 * first seconds it sees and, when it is negligible, places the filterbank in 100–3800 Hz
 * instead of 100–7600 Hz. The decision is made once (before any frame is emitted).
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fft } from "../features/frames.js";

export const SAMPLE_RATE = 16000;
export const FRAME_LEN = 400; // 25 ms
export const HOP = 160; // 10 ms
export const FRAME_RATE = SAMPLE_RATE / HOP; // frames per second
export const NUM_CEPS = 20; // c0..c19
const NFFT = 512;
const NUM_FILTERS = 32;

/** Rows kept in memory before a FeatureStore writes its full blocks to a temporary file (~16 min of frames). */
export const FEATURE_SPILL_ROWS = 3 << 15;

const spilled = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
});

/**
 * Growable Float32 store of fixed-width rows, allocated in blocks (no huge reallocations).
 * Past `spillRows` rows, full blocks go to an (already unlinked) temporary file and are read
 * back one block at a time, so a multi-hour recording's frames cost disk, not memory; the
 * diarizer reads them once, in order, to build its speech-frame matrix. dispose() closes it.
 */
export class FeatureStore {
  private blocks: (Float32Array | undefined)[] = [];
  private fd: number | undefined;
  /** Blocks read back from the file (the current one and the one before, for the delta context). */
  private cache: { b: number; data: Float32Array }[] = [];
  rows = 0;
  constructor(
    readonly dim: number,
    private readonly spillRows = FEATURE_SPILL_ROWS,
    private readonly blockRows = 1 << 15,
  ) {}
  append(row: Float32Array | number[]): void {
    const b = (this.rows / this.blockRows) | 0;
    if (b >= this.blocks.length) {
      this.spillFull();
      this.blocks.push(new Float32Array(this.blockRows * this.dim));
    }
    const off = (this.rows % this.blockRows) * this.dim;
    const blk = this.blocks[b]!;
    for (let i = 0; i < this.dim; i++) blk[off + i] = row[i]!;
    this.rows++;
  }
  /** Past spillRows, the last (full) block goes to the file. */
  private spillFull(): void {
    const last = this.blocks.length - 1;
    if (last < 0 || this.blocks.length * this.blockRows <= this.spillRows) return;
    if (this.fd === undefined) {
      const path = join(tmpdir(), `iag-mfcc-${process.pid}-${randomBytes(6).toString("hex")}.f32`);
      this.fd = openSync(path, "w+");
      unlinkSync(path); // the open descriptor keeps it; nothing is left behind on a crash
      spilled.register(this, this.fd, this);
    }
    const blk = this.blocks[last]!;
    writeSync(this.fd, blk, 0, blk.byteLength, last * blk.byteLength);
    this.blocks[last] = undefined;
  }
  private block(b: number): Float32Array {
    const inMemory = this.blocks[b];
    if (inMemory) return inMemory;
    const hit = this.cache.find((c) => c.b === b);
    if (hit) return hit.data;
    if (this.fd === undefined) throw new Error("FeatureStore: block not available (disposed)");
    const data = this.cache.length >= 2 ? this.cache.shift()!.data : new Float32Array(this.blockRows * this.dim);
    readSync(this.fd, data, 0, data.byteLength, b * data.byteLength);
    this.cache.push({ b, data });
    return data;
  }
  /** Copies row `r` into `out` (length dim). */
  get(r: number, out: Float32Array): Float32Array {
    const blk = this.block((r / this.blockRows) | 0);
    const off = (r % this.blockRows) * this.dim;
    for (let i = 0; i < this.dim; i++) out[i] = blk[off + i]!;
    return out;
  }
  value(r: number, i: number): number {
    return this.block((r / this.blockRows) | 0)[(r % this.blockRows) * this.dim + i]!;
  }
  /** Bytes held in memory. */
  get bytes(): number {
    return (this.blocks.filter((b) => b).length + this.cache.length) * this.blockRows * this.dim * 4;
  }
  /** Frees the rows (memory and file); the store is empty afterwards. */
  dispose(): void {
    if (this.fd !== undefined) {
      spilled.unregister(this);
      closeSync(this.fd);
    }
    this.fd = undefined;
    this.blocks = [];
    this.cache = [];
    this.rows = 0;
  }
}

/** Real FFT of length N via one complex FFT of length N/2; returns power spectrum bins 0..N/2. */
class RealPowerSpectrum {
  private readonly half: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly twr: Float64Array;
  private readonly twi: Float64Array;
  constructor(readonly n: number) {
    this.half = n / 2;
    this.re = new Float64Array(this.half);
    this.im = new Float64Array(this.half);
    this.twr = new Float64Array(this.half);
    this.twi = new Float64Array(this.half);
    for (let k = 0; k < this.half; k++) {
      this.twr[k] = Math.cos((-2 * Math.PI * k) / n);
      this.twi[k] = Math.sin((-2 * Math.PI * k) / n);
    }
  }
  /** x has length n; power has length n/2 + 1. */
  run(x: Float64Array, power: Float64Array): void {
    const h = this.half;
    const re = this.re;
    const im = this.im;
    for (let i = 0; i < h; i++) {
      re[i] = x[2 * i]!;
      im[i] = x[2 * i + 1]!;
    }
    fft(re, im);
    power[0] = (re[0]! + im[0]!) ** 2;
    power[h] = (re[0]! - im[0]!) ** 2;
    for (let k = 1; k < h; k++) {
      const ar = re[k]!, ai = im[k]!;
      const br = re[h - k]!, bi = -im[h - k]!;
      // E = (Z[k] + conj(Z[N/2-k]))/2, O = (Z[k] - conj(Z[N/2-k]))/(2i)
      const er = (ar + br) / 2, ei = (ai + bi) / 2;
      const or = (ai - bi) / 2, oi = -(ar - br) / 2;
      const tr = this.twr[k]!, ti = this.twi[k]!;
      const xr = er + (or * tr - oi * ti);
      const xi = ei + (or * ti + oi * tr);
      power[k] = xr * xr + xi * xi;
    }
  }
}

function melOf(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}
function hzOf(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

interface Filterbank {
  start: Int32Array;
  weights: Float64Array[];
}

function makeFilterbank(lowHz: number, highHz: number): Filterbank {
  const nb = NFFT / 2 + 1;
  const lo = melOf(lowHz), hi = melOf(highHz);
  const pts: number[] = [];
  for (let i = 0; i < NUM_FILTERS + 2; i++) pts.push((hzOf(lo + ((hi - lo) * i) / (NUM_FILTERS + 1)) * NFFT) / SAMPLE_RATE);
  const start = new Int32Array(NUM_FILTERS);
  const weights: Float64Array[] = [];
  for (let m = 0; m < NUM_FILTERS; m++) {
    const l = pts[m]!, c = pts[m + 1]!, r = pts[m + 2]!;
    const b0 = Math.max(0, Math.ceil(l));
    const b1 = Math.min(nb - 1, Math.floor(r));
    const w = new Float64Array(Math.max(1, b1 - b0 + 1));
    for (let b = b0; b <= b1; b++) {
      w[b - b0] = b <= c ? (b - l) / Math.max(1e-9, c - l) : (r - b) / Math.max(1e-9, r - c);
      if (w[b - b0]! < 0) w[b - b0] = 0;
    }
    start[m] = b0;
    weights.push(w);
  }
  return { start, weights };
}

export interface MfccOptions {
  /** Force the filterbank band instead of detecting it: "wide" 100–7600 Hz, "narrow" 100–3800 Hz. */
  band?: "wide" | "narrow" | "auto";
  /** Seconds of audio to look at before deciding the band (auto). */
  probeSeconds?: number;
}

/**
 * Streaming MFCC extractor. push() any chunk sizes of 16 kHz mono; frames are emitted into
 * `features` (one row of NUM_CEPS floats per 10 ms hop, frame i centred near i*10ms + 12.5ms).
 */
export class MfccExtractor {
  readonly features = new FeatureStore(NUM_CEPS);
  private band: "wide" | "narrow" | undefined;
  private readonly probeSamples: number;
  private pending: Float32Array = new Float32Array(0);
  private pendingLen = 0;
  private prevSample = 0;
  private probe: Float32Array[] = [];
  private probeLen = 0;
  private fb: Filterbank | undefined;
  private readonly spec = new RealPowerSpectrum(NFFT);
  private readonly frame = new Float64Array(NFFT);
  private readonly power = new Float64Array(NFFT / 2 + 1);
  private readonly logmel = new Float64Array(NUM_FILTERS);
  private readonly out = new Float32Array(NUM_CEPS);
  private readonly window = new Float64Array(FRAME_LEN);
  private readonly dct: Float64Array;
  private hiEnergy = 0;
  private totEnergy = 0;

  constructor(opts: MfccOptions = {}) {
    this.band = opts.band === "auto" || opts.band === undefined ? undefined : opts.band;
    this.probeSamples = Math.round((opts.probeSeconds ?? 20) * SAMPLE_RATE);
    for (let i = 0; i < FRAME_LEN; i++) this.window[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (FRAME_LEN - 1));
    this.dct = new Float64Array(NUM_CEPS * NUM_FILTERS);
    for (let k = 0; k < NUM_CEPS; k++)
      for (let m = 0; m < NUM_FILTERS; m++)
        this.dct[k * NUM_FILTERS + m] = Math.cos((Math.PI * k * (m + 0.5)) / NUM_FILTERS) * Math.sqrt(2 / NUM_FILTERS);
    if (this.band) this.fb = this.band === "wide" ? makeFilterbank(100, 7600) : makeFilterbank(100, 3800);
  }

  /** "wide" or "narrow" once decided. */
  get detectedBand(): "wide" | "narrow" | undefined {
    return this.band;
  }

  push(chunk: Float32Array): void {
    if (!this.band) {
      this.probe.push(chunk.slice());
      this.probeLen += chunk.length;
      this.measureBand(chunk);
      if (this.probeLen >= this.probeSamples) this.decideBand();
      return;
    }
    this.consume(chunk);
  }

  finish(): FeatureStore {
    if (!this.band) this.decideBand();
    return this.features;
  }

  private measureBand(chunk: Float32Array): void {
    // Share of spectral power above 4.2 kHz, over frames every 50 ms.
    const lo = Math.round((4200 * NFFT) / SAMPLE_RATE);
    for (let s = 0; s + NFFT <= chunk.length; s += 800) {
      for (let i = 0; i < NFFT; i++) this.frame[i] = i < FRAME_LEN ? chunk[s + i]! * this.window[i]! : 0;
      this.spec.run(this.frame, this.power);
      for (let b = 1; b <= NFFT / 2; b++) {
        this.totEnergy += this.power[b]!;
        if (b >= lo) this.hiEnergy += this.power[b]!;
      }
    }
  }

  private decideBand(): void {
    const share = this.totEnergy > 0 ? this.hiEnergy / this.totEnergy : 0;
    this.band = share < 0.002 ? "narrow" : "wide";
    this.fb = this.band === "wide" ? makeFilterbank(100, 7600) : makeFilterbank(100, 3800);
    const probe = this.probe;
    this.probe = [];
    for (const c of probe) this.consume(c);
  }

  private consume(chunk: Float32Array): void {
    const need = this.pendingLen + chunk.length;
    if (this.pending.length < need) {
      const p = new Float32Array(Math.max(need, this.pending.length * 2, 4096));
      p.set(this.pending.subarray(0, this.pendingLen));
      this.pending = p;
    }
    // pre-emphasis applied on input
    const buf = this.pending;
    let prev = this.prevSample;
    for (let i = 0; i < chunk.length; i++) {
      const x = chunk[i]!;
      buf[this.pendingLen + i] = x - 0.97 * prev;
      prev = x;
    }
    this.prevSample = prev;
    this.pendingLen = need;
    let pos = 0;
    while (pos + FRAME_LEN <= this.pendingLen) {
      this.emit(buf, pos);
      pos += HOP;
    }
    buf.copyWithin(0, pos, this.pendingLen);
    this.pendingLen -= pos;
  }

  private emit(buf: Float32Array, pos: number): void {
    const fr = this.frame;
    const w = this.window;
    for (let i = 0; i < FRAME_LEN; i++) fr[i] = buf[pos + i]! * w[i]!;
    for (let i = FRAME_LEN; i < NFFT; i++) fr[i] = 0;
    this.spec.run(fr, this.power);
    const fb = this.fb!;
    const pw = this.power;
    for (let m = 0; m < NUM_FILTERS; m++) {
      const ws = fb.weights[m]!;
      const s = fb.start[m]!;
      let e = 0;
      for (let j = 0; j < ws.length; j++) e += ws[j]! * pw[s + j]!;
      this.logmel[m] = Math.log(e + 1e-8);
    }
    for (let k = 0; k < NUM_CEPS; k++) {
      let c = 0;
      const off = k * NUM_FILTERS;
      for (let m = 0; m < NUM_FILTERS; m++) c += this.dct[off + m]! * this.logmel[m]!;
      this.out[k] = c;
    }
    this.features.append(this.out);
  }
}

/** Convenience: MFCCs of a whole 16 kHz signal, processed in 1 s chunks. */
export function mfccOf(samples: Float32Array, opts?: MfccOptions): FeatureStore {
  const ex = new MfccExtractor(opts);
  for (let s = 0; s < samples.length; s += SAMPLE_RATE) ex.push(samples.subarray(s, Math.min(samples.length, s + SAMPLE_RATE)));
  return ex.finish();
}
