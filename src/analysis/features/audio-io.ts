/**
 * Small audio helpers for the affect metrics' evaluation, tests and fitting scripts: load an
 * audio file as 16 kHz float channels (audio-decode + windowed-sinc resampling), wrap arrays as a
 * `SpeechAudio`, and synthesise speech with espeak-ng. The production pipeline has its own
 * decoder and storage; these exist so that this module's tools stand on their own.
 */
import { readFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import decode from "audio-decode";
import type { SpeechAudio } from "../types.js";

const execFileP = promisify(execFile);

/** Resample with a Hann-windowed sinc (16 zero crossings); anti-aliased when downsampling. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const ratio = to / from;
  const n = Math.floor(x.length * ratio);
  const y = new Float32Array(n);
  const cutoff = Math.min(1, ratio) * 0.95;
  const half = 16 / cutoff;
  for (let i = 0; i < n; i++) {
    const t = i / ratio;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(x.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let j = lo; j <= hi; j++) {
      const d = t - j;
      const arg = Math.PI * d * cutoff;
      const sinc = d === 0 ? 1 : Math.sin(arg) / arg;
      const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
      acc += x[j]! * sinc * w * cutoff;
    }
    y[i] = acc;
  }
  return y;
}

/** Decode a file and return its channels at 16 kHz. */
export async function loadAudio16k(path: string): Promise<{ channels: Float32Array[]; duration: number }> {
  const buf = await readFile(path);
  const ab = await decode(new Uint8Array(buf));
  const channels: Float32Array[] = [];
  for (const ch of ab.channelData) channels.push(resample(ch, ab.sampleRate, 16000));
  return { channels, duration: channels[0]!.length / 16000 };
}

/**
 * A `SpeechAudio` over in-memory channels. `channelOf` maps a speaker id to a channel index;
 * unmapped speakers read the mean of all channels.
 */
export function memorySpeechAudio(channels: Float32Array[] | Float32Array, channelOf: Record<string, number> = {}): SpeechAudio {
  const chans = channels instanceof Float32Array ? [channels] : channels;
  const len = chans[0]!.length;
  let mix: Float32Array | undefined;
  const getMix = () => {
    if (chans.length === 1) return chans[0]!;
    if (!mix) {
      mix = new Float32Array(len);
      for (const ch of chans) for (let i = 0; i < len; i++) mix[i]! += ch[i]! / chans.length;
    }
    return mix;
  };
  return {
    sampleRate: 16000,
    duration: len / 16000,
    read(speaker: string, start: number, end: number): Float32Array {
      const a = Math.max(0, Math.round(start * 16000));
      const b = Math.min(len, Math.round(end * 16000));
      const idx = channelOf[speaker];
      const src = idx !== undefined && chans[idx] ? chans[idx]! : getMix();
      return src.slice(a, Math.max(a, b));
    },
  };
}

export interface EspeakOptions {
  voice?: string;
  /** words per minute (espeak -s), default 175 */
  speed?: number;
  /** 0..99 (espeak -p), default 50 */
  pitch?: number;
  /** 0..200 (espeak -a), default 100 */
  amplitude?: number;
}

/** True when the `espeak-ng` binary is on PATH. */
export function espeakAvailable(): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, "espeak-ng")));
}

/** Synthesise `text` with espeak-ng and return 16 kHz mono samples. */
export async function espeak(text: string, opts: EspeakOptions = {}): Promise<Float32Array> {
  const args = ["--stdout", "-v", opts.voice ?? "en-us", "-s", String(opts.speed ?? 175), "-p", String(opts.pitch ?? 50), "-a", String(opts.amplitude ?? 100)];
  args.push(text);
  const { stdout } = await execFileP("espeak-ng", args, { encoding: "buffer", maxBuffer: 64 << 20 });
  const ab = await decode(new Uint8Array(stdout as Buffer));
  return resample(ab.channelData[0]!, ab.sampleRate, 16000);
}
