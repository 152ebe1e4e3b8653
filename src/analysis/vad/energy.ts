/**
 * Energy-based voice activity detection: the fallback when the Silero model is unavailable.
 *
 * 25 ms frames every 10 ms; a frame is speech when its log energy is at least `marginDb`
 * above an estimated noise floor (a low percentile of the frame energies), within
 * `dynamicRangeDb` of the loud frames, and above an absolute floor. Regions are then
 * smoothed (fill short gaps, drop short blips, pad).
 */
import type { SpeechRegion } from "../types.js";

export interface VadOptions {
  /** Silero: speech probability threshold (0..1). Energy: ignored. */
  threshold?: number;
  /** Drop speech regions shorter than this. */
  minSpeechSeconds?: number;
  /** Merge regions separated by less than this. */
  minSilenceSeconds?: number;
  /** Extend each region by this much on both sides (clamped to the signal). */
  padSeconds?: number;
}

export const FRAME_HOP = 160; // 10 ms at 16 kHz
export const FRAME_LEN = 400; // 25 ms at 16 kHz

export interface EnergyVadOptions extends VadOptions {
  marginDb?: number;
  dynamicRangeDb?: number;
  absoluteFloorDb?: number;
}

/** Per-frame log energies (dBFS) of a 16 kHz signal, one per 10 ms hop. */
export class FrameEnergies {
  private energies = new Float32Array(1024);
  private count = 0;
  private tail = new Float32Array(0);

  push(chunk: Float32Array): void {
    const buf = this.tail.length ? concat(this.tail, chunk) : chunk;
    let start = 0;
    for (; start + FRAME_LEN <= buf.length; start += FRAME_HOP) {
      let s = 0;
      for (let i = start; i < start + FRAME_LEN; i++) s += buf[i]! * buf[i]!;
      this.add(10 * Math.log10(s / FRAME_LEN + 1e-12));
    }
    this.tail = buf.slice(start);
  }

  /** Finish: the last partial frame counts too. Returns energies (dBFS) per 10 ms frame. */
  finish(): Float32Array {
    if (this.tail.length > 0) {
      let s = 0;
      for (let i = 0; i < this.tail.length; i++) s += this.tail[i]! * this.tail[i]!;
      // a partial frame (< 10 ms of new samples) only when no full frame covered them
      this.add(10 * Math.log10(s / Math.max(1, this.tail.length) + 1e-12));
      this.tail = new Float32Array(0);
    }
    return this.energies.subarray(0, this.count);
  }

  private add(v: number): void {
    if (this.count === this.energies.length) {
      const n = new Float32Array(this.energies.length * 2);
      n.set(this.energies);
      this.energies = n;
    }
    this.energies[this.count++] = v;
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length + b.length);
  o.set(a, 0);
  o.set(b, a.length);
  return o;
}

function percentile(x: Float32Array, q: number): number {
  const s = Float32Array.from(x).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))]!;
}

/** Speech decisions from frame energies (see module comment). */
export function energyRegionsFromFrames(energies: Float32Array, totalSeconds: number, opts: EnergyVadOptions = {}): SpeechRegion[] {
  if (energies.length === 0) return [];
  const marginDb = opts.marginDb ?? 9;
  const range = opts.dynamicRangeDb ?? 40;
  const absFloor = opts.absoluteFloorDb ?? -55;
  const floor = percentile(energies, 0.1);
  const loud = percentile(energies, 0.95);
  const thr = Math.max(floor + marginDb, loud - range, absFloor);
  const regions: SpeechRegion[] = [];
  let start = -1;
  for (let i = 0; i < energies.length; i++) {
    const on = energies[i]! >= thr;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      regions.push({ start: (start * FRAME_HOP) / 16000, end: (i * FRAME_HOP + FRAME_LEN) / 16000 });
      start = -1;
    }
  }
  if (start >= 0) regions.push({ start: (start * FRAME_HOP) / 16000, end: totalSeconds });
  return smoothRegions(regions, totalSeconds, {
    minSpeechSeconds: opts.minSpeechSeconds ?? 0.15,
    minSilenceSeconds: opts.minSilenceSeconds ?? 0.3,
    padSeconds: opts.padSeconds ?? 0.05,
  });
}

/** Energy VAD over a whole 16 kHz signal. */
export function energyVad(samples16k: Float32Array, opts: EnergyVadOptions = {}): SpeechRegion[] {
  const fe = new FrameEnergies();
  fe.push(samples16k);
  return energyRegionsFromFrames(fe.finish(), samples16k.length / 16000, opts);
}

/**
 * Merge regions closer than minSilenceSeconds, drop those shorter than minSpeechSeconds,
 * pad both sides and clamp to [0, totalSeconds]. Input need not be sorted.
 */
export function smoothRegions(
  regions: SpeechRegion[],
  totalSeconds: number,
  opts: { minSpeechSeconds: number; minSilenceSeconds: number; padSeconds: number },
): SpeechRegion[] {
  const sorted = regions.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const merged: SpeechRegion[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start - last.end < opts.minSilenceSeconds) last.end = Math.max(last.end, r.end);
    else merged.push({ start: r.start, end: r.end });
  }
  const out: SpeechRegion[] = [];
  for (const r of merged) {
    if (r.end - r.start < opts.minSpeechSeconds) continue;
    const s = Math.max(0, r.start - opts.padSeconds);
    const e = Math.min(totalSeconds, r.end + opts.padSeconds);
    const last = out[out.length - 1];
    if (last && s <= last.end) last.end = Math.max(last.end, e);
    else out.push({ start: round3(s), end: round3(e) });
  }
  for (const r of out) r.end = round3(r.end);
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
