/**
 * Long benchmark inputs: the real speech clips of ../shared/eval (measure only: they are
 * never fitted on) one after another, repeated, written as a 16-bit WAV of any length.
 * Used by bench/run.ts (pipeline) and bench/upload.ts (the upload path through a gateway).
 */
import { closeSync, existsSync, openSync, readdirSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAudio, resampleAll } from "../src/analysis/diarization/io.js";

export const SHARED = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "eval");

function wavFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? wavFiles(p) : f.endsWith(".wav") ? [p] : [];
  });
}

/** Mono 16 kHz speech clips from the shared set (stereo files down-mixed). */
export async function clips(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const f of wavFiles(SHARED).sort()) {
    const a = await loadAudio(f);
    const mono = a.channels.length === 1 ? a.channels[0]! : a.channels[0]!.map((x, i) => (x + a.channels[1]![i]!) / 2);
    out.push(resampleAll(mono, a.sampleRate, 16000));
  }
  return out;
}

export function writeWav(path: string, rate: number, channels: number, seconds: number, fill: (ch: number, offset: number, out: Float32Array) => void): void {
  const frames = Math.floor(seconds * rate);
  const dataBytes = frames * channels * 2;
  const fd = openSync(path, "w");
  const h = Buffer.alloc(44);
  h.write("RIFF", 0); h.writeUInt32LE(36 + dataBytes, 4); h.write("WAVE", 8); h.write("fmt ", 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22); h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28); h.writeUInt16LE(channels * 2, 32); h.writeUInt16LE(16, 34); h.write("data", 36); h.writeUInt32LE(dataBytes, 40);
  writeSync(fd, h);
  const block = rate * 10;
  const tmp = new Float32Array(block);
  for (let off = 0; off < frames; off += block) {
    const n = Math.min(block, frames - off);
    const buf = Buffer.alloc(n * channels * 2);
    for (let c = 0; c < channels; c++) {
      fill(c, off, tmp.subarray(0, n));
      for (let i = 0; i < n; i++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(tmp[i]! * 32767))), (i * channels + c) * 2);
    }
    writeSync(fd, buf);
  }
  closeSync(fd);
}

/** A long signal: the clips one after another (0.3 s pause between), repeated. */
export function timeline(clipsAt: Float32Array[], rate: number, pause: number) {
  const starts: number[] = [];
  let t = 0;
  for (const c of clipsAt) {
    starts.push(t);
    t += c.length + Math.round(pause * rate);
  }
  return { starts, period: t };
}


/** `seconds` of the clips in a row (0.3 s apart), repeated; stereo: the clips alternate between the channels (two parties). */
export function writeSpeechWav(path: string, cs: Float32Array[], rate: number, nch: number, seconds: number): void {
  const tl = timeline(cs, rate, 0.3);
  writeWav(path, rate, nch, seconds, (ch, off, out) => {
    out.fill(0);
    for (let i = 0; i < out.length; i++) {
      const abs = off + i;
      const cycle = Math.floor(abs / tl.period);
      const p = abs % tl.period;
      // binary search the clip
      let lo = 0, hi = tl.starts.length - 1;
      while (lo < hi) { const m = (lo + hi + 1) >> 1; if (tl.starts[m]! <= p) lo = m; else hi = m - 1; }
      const k = lo;
      if (nch === 2 && (k + cycle) % 2 !== ch) continue;
      const c = cs[k]!;
      const j = p - tl.starts[k]!;
      if (j < c.length) out[i] = c[j]!;
    }
  });
}
