/**
 * Audio and VAD access for the diarization tools (eval, CLI, benchmark, tests). Uses the
 * pipeline's own modules (src/analysis/audio/*, src/analysis/vad/silero.ts) when they are
 * present and falls back to small local implementations otherwise, so the diarizer's tools
 * stand on their own:
 *   - decode: `audio-decode`;
 *   - resample: Hann-windowed sinc, polyphase table for rational ratios;
 *   - VAD: Silero v5 through sherpa-onnx-node (models/silero_vad.onnx).
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SpeechRegion } from "../types.js";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, existsSync(join(here, "../../../package.json")) ? "../../.." : "../../../..");

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Streaming rational-ratio resampler (windowed sinc, 16 zero crossings, anti-aliased when
 * downsampling). Keeps only a short history between chunks.
 */
export class SincResampler {
  private readonly up: number;
  private readonly down: number;
  private readonly taps: number;
  private readonly table: Float32Array[]; // per phase
  private hist: Float32Array;
  private histLen = 0;
  private inPos = 0; // absolute index of hist[0]
  private outIndex = 0; // next output sample index
  constructor(readonly from: number, readonly to: number) {
    const g = gcd(from, to);
    this.up = to / g;
    this.down = from / g;
    const cutoff = Math.min(1, to / from) * 0.95;
    const half = Math.ceil(16 / cutoff);
    this.taps = 2 * half;
    this.table = [];
    for (let ph = 0; ph < this.up; ph++) {
      const frac = ph / this.up;
      const t = new Float32Array(this.taps);
      for (let k = 0; k < this.taps; k++) {
        const d = frac - (k - half + 1);
        const arg = Math.PI * d * cutoff;
        const sinc = Math.abs(d) < 1e-9 ? 1 : Math.sin(arg) / arg;
        const w = Math.abs(d) >= half ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
        t[k] = sinc * w * cutoff;
      }
      this.table.push(t);
    }
    this.hist = new Float32Array(this.taps * 2);
  }
  private half(): number {
    return this.taps / 2;
  }
  push(x: Float32Array, final = false): Float32Array {
    if (this.from === this.to) return x;
    const need = this.histLen + x.length + (final ? this.taps : 0);
    if (this.hist.length < need) {
      const h = new Float32Array(need * 2);
      h.set(this.hist.subarray(0, this.histLen));
      this.hist = h;
    }
    this.hist.set(x, this.histLen);
    this.histLen += x.length;
    if (final) {
      this.hist.fill(0, this.histLen, this.histLen + this.taps);
      this.histLen += this.taps;
    }
    const half = this.half();
    const out: number[] = [];
    const res: Float32Array[] = [];
    const buf = new Float32Array(4096);
    let bl = 0;
    for (;;) {
      const num = this.outIndex * this.down;
      const j = Math.floor(num / this.up); // input index at or before output time
      const ph = num % this.up;
      const lo = j - half + 1;
      if (j + half >= this.inPos + this.histLen) break;
      const tab = this.table[ph]!;
      let acc = 0;
      for (let k = 0; k < this.taps; k++) {
        const idx = lo + k - this.inPos;
        if (idx >= 0) acc += this.hist[idx]! * tab[k]!;
      }
      buf[bl++] = acc;
      if (bl === buf.length) {
        res.push(buf.slice());
        bl = 0;
      }
      this.outIndex++;
    }
    void out;
    res.push(buf.slice(0, bl));
    // drop history no longer needed
    const nextJ = Math.floor((this.outIndex * this.down) / this.up);
    const keepFrom = Math.max(0, nextJ - half - this.inPos);
    this.hist.copyWithin(0, keepFrom, this.histLen);
    this.histLen -= keepFrom;
    this.inPos += keepFrom;
    if (res.length === 1) return res[0]!;
    const total = res.reduce((a, b) => a + b.length, 0);
    const y = new Float32Array(total);
    let o = 0;
    for (const r of res) {
      y.set(r, o);
      o += r.length;
    }
    return y;
  }
}

export function resampleAll(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const r = new SincResampler(from, to);
  const parts: Float32Array[] = [];
  const step = from * 10;
  for (let s = 0; s < x.length; s += step) parts.push(r.push(x.subarray(s, Math.min(x.length, s + step))));
  parts.push(r.push(new Float32Array(0), true));
  const want = Math.floor((x.length * to) / from);
  const y = new Float32Array(want);
  let o = 0;
  for (const p of parts) {
    const n = Math.min(p.length, want - o);
    if (n <= 0) break;
    y.set(p.subarray(0, n), o);
    o += n;
  }
  return y;
}

export interface LoadedAudio {
  sampleRate: number;
  channels: Float32Array[];
  duration: number;
}

/** Decodes an audio file (any format audio-decode reads) at its native rate. */
export async function loadAudio(path: string): Promise<LoadedAudio> {
  const data = await readFile(path);
  const modPath = "../audio/decode.js";
  try {
    const mod = (await import(modPath)) as { decodeAudio: (d: Buffer, o: { encoding: string; sampleRate: number }) => Promise<LoadedAudio> };
    const ext = path.toLowerCase().split(".").pop() ?? "";
    const enc = ext === "flac" ? "FLAC" : ext === "mp3" ? "MP3" : ext === "ogg" ? "OGG_VORBIS" : ext === "opus" ? "OGG_OPUS" : "WAV";
    return await mod.decodeAudio(data, { encoding: enc, sampleRate: 16000 });
  } catch {
    const decode = (await import("audio-decode")).default as (b: Uint8Array) => Promise<{ sampleRate: number; channelData: Float32Array[] }>;
    const ab = await decode(new Uint8Array(data));
    return { sampleRate: ab.sampleRate, channels: ab.channelData, duration: ab.channelData[0]!.length / ab.sampleRate };
  }
}

export async function loadAudio16k(path: string): Promise<LoadedAudio> {
  const a = await loadAudio(path);
  return { sampleRate: 16000, channels: a.channels.map((c) => resampleAll(c, a.sampleRate, 16000)), duration: a.duration };
}

// ---------------------------------------------------------------- VAD

export interface VadOptions {
  threshold?: number;
  minSilenceDuration?: number;
  minSpeechDuration?: number;
}

type SherpaVad = {
  acceptWaveform(s: Float32Array): void;
  isEmpty(): boolean;
  front(ext?: boolean): { start: number; samples: Float32Array };
  pop(): void;
  flush(): void;
};

/** Default VAD settings for the diarization tools (threshold 0.25 measured best on AMI, STACK.md). */
export const VAD_DEFAULTS: Required<VadOptions> = { threshold: 0.25, minSilenceDuration: 0.2, minSpeechDuration: 0.15 };

/** Streaming Silero VAD over 16 kHz input; regions in seconds. */
export class LocalSpeechDetector {
  private vad: SherpaVad;
  private readonly regions: SpeechRegion[] = [];
  private buf = new Float32Array(512);
  private bl = 0;
  constructor(opts: VadOptions = {}) {
    const model = join(REPO_ROOT, "models/silero_vad.onnx");
    if (!existsSync(model) || statSync(model).size < 100_000) throw new Error(`Silero VAD model missing or truncated: ${model}`);
    const require = createRequire(import.meta.url);
    const sherpa = require("sherpa-onnx-node") as { Vad: new (cfg: unknown, buf: number) => SherpaVad };
    const o = { ...VAD_DEFAULTS, ...opts };
    this.vad = new sherpa.Vad(
      {
        sileroVad: { model, threshold: o.threshold, minSilenceDuration: o.minSilenceDuration, minSpeechDuration: o.minSpeechDuration, windowSize: 512, maxSpeechDuration: 3600 },
        sampleRate: 16000,
        numThreads: 1,
        debug: false,
      },
      120,
    );
  }
  private drain(): void {
    while (!this.vad.isEmpty()) {
      const seg = this.vad.front(false);
      this.regions.push({ start: seg.start / 16000, end: (seg.start + seg.samples.length) / 16000 });
      this.vad.pop();
    }
  }
  push(chunk: Float32Array): void {
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(512 - this.bl, chunk.length - i);
      this.buf.set(chunk.subarray(i, i + n), this.bl);
      this.bl += n;
      i += n;
      if (this.bl === 512) {
        this.vad.acceptWaveform(this.buf);
        this.bl = 0;
        this.drain();
      }
    }
  }
  finish(): SpeechRegion[] {
    if (this.bl > 0) {
      this.buf.fill(0, this.bl);
      this.vad.acceptWaveform(this.buf);
      this.bl = 0;
    }
    this.vad.flush();
    this.drain();
    return this.regions;
  }
}

export interface SpeechDetectorLike {
  push(chunk16k: Float32Array): void;
  finish(): SpeechRegion[];
}

/** The pipeline's SpeechDetector when present, else the local one. */
export async function createSpeechDetector(opts: VadOptions = {}): Promise<SpeechDetectorLike> {
  const modPath = "../vad/silero.js";
  try {
    const mod = (await import(modPath)) as { SpeechDetector?: new (o?: VadOptions) => SpeechDetectorLike };
    if (mod.SpeechDetector && process.env.DIAR_LOCAL_VAD !== "1") return new mod.SpeechDetector(opts);
  } catch {
    /* fall through */
  }
  return new LocalSpeechDetector(opts);
}

export async function detectSpeech16k(samples: Float32Array, opts: VadOptions = {}): Promise<SpeechRegion[]> {
  const d = await createSpeechDetector(opts);
  for (let s = 0; s < samples.length; s += 16000) d.push(samples.subarray(s, Math.min(samples.length, s + 16000)));
  return d.finish();
}
