/**
 * The analysed audio at 16 kHz, kept as 16-bit samples so stages after the streaming scan
 * (transcription, metrics) can read any stretch again. Short recordings stay in memory;
 * past SPILL_SECONDS per channel the samples go to a temporary file, so a multi-hour
 * recording costs disk, not memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpeechAudio } from "./types.js";

const RATE = 16000;
export const SPILL_SECONDS = 15 * 60;

class ChannelStore {
  private chunks: Int16Array[] = [];
  private fd: number | undefined;
  /** Conversion buffer reused once spilling (nothing then stays in memory per chunk). */
  private scratch = new Int16Array(0);
  length = 0;

  constructor(
    private readonly spillPath: () => string,
    spillNow: boolean,
  ) {
    if (spillNow) this.fd = openSync(this.spillPath(), "w+");
  }

  append(x: Float32Array) {
    if (this.fd === undefined && this.length + x.length > SPILL_SECONDS * RATE) {
      this.fd = openSync(this.spillPath(), "w+");
      for (const c of this.chunks) writeSync(this.fd, c, 0, c.byteLength, null);
      this.chunks = [];
    }
    if (this.fd !== undefined && this.scratch.length < x.length) this.scratch = new Int16Array(x.length);
    const s = this.fd !== undefined ? this.scratch.subarray(0, x.length) : new Int16Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]! * 32767;
      s[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    if (this.fd !== undefined) writeSync(this.fd, s, 0, s.byteLength, this.length * 2);
    else this.chunks.push(s);
    this.length += s.length;
  }

  /** Samples [from, to) as 16-bit. */
  read(from: number, to: number): Int16Array {
    const out = new Int16Array(Math.max(0, to - from));
    if (this.fd !== undefined) {
      readSync(this.fd, out, 0, out.byteLength, from * 2);
      return out;
    }
    let pos = 0;
    for (const c of this.chunks) {
      const end = pos + c.length;
      if (end > from && pos < to) {
        const a = Math.max(from, pos);
        const b = Math.min(to, end);
        out.set(c.subarray(a - pos, b - pos), a - from);
      }
      pos = end;
      if (pos >= to) break;
    }
    return out;
  }

  close() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.chunks = [];
  }
}

export class SpeechStore implements SpeechAudio {
  readonly sampleRate = RATE as 16000;
  private readonly channels: ChannelStore[];
  private dir: string | undefined;
  /** Speaker id → channel; absent: the mix of all channels. */
  private channelOf = new Map<string, number>();

  /** `expectedSeconds` (the input's duration, when known) past SPILL_SECONDS: spill from the first sample instead of holding SPILL_SECONDS in memory first. */
  constructor(channelCount: number, expectedSeconds?: number) {
    const spillNow = expectedSeconds !== undefined && expectedSeconds > SPILL_SECONDS;
    this.channels = Array.from({ length: channelCount }, (_, c) => new ChannelStore(() => join(this.tempDir(), `ch${c}.s16`), spillNow));
  }

  private tempDir() {
    this.dir ??= mkdtempSync(join(tmpdir(), "iag-audio-"));
    return this.dir;
  }

  get duration() {
    return (this.channels[0]?.length ?? 0) / RATE;
  }

  append(chunks16k: Float32Array[]) {
    chunks16k.forEach((c, i) => this.channels[i]!.append(c));
  }

  /** One speaker per channel: speaker String(c) is read from channel c. */
  usePerChannelSpeakers() {
    this.channels.forEach((_, c) => this.channelOf.set(String(c), c));
  }

  read(speaker: string, start: number, end: number): Float32Array {
    const n = this.channels[0]?.length ?? 0;
    const from = Math.max(0, Math.min(n, Math.floor(start * RATE)));
    const to = Math.max(from, Math.min(n, Math.ceil(end * RATE)));
    const c = this.channelOf.get(speaker);
    const sources = c === undefined ? this.channels : [this.channels[c]!];
    const out = new Float32Array(to - from);
    const k = 1 / (32768 * sources.length);
    for (const ch of sources) {
      const s = ch.read(from, to);
      for (let i = 0; i < s.length; i++) out[i] = out[i]! + s[i]! * k;
    }
    return out;
  }

  dispose() {
    this.channels.forEach((c) => c.close());
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
