/**
 * Frame accuracy of the VAD against reference turns (speech = union of reference segments),
 * at 10 ms resolution, plus speed.
 *
 *   npx tsx src/analysis/vad/eval-vad.ts [dir=../shared/eval/diarization] [threshold] [minSilence] [pad]
 *
 * Also scores test/fixtures/{stereo-call (per channel), mono-two-voices}.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { decodeAudio } from "../audio/decode.js";
import { resample } from "../audio/resample.js";
import { toMono } from "../audio/channels.js";
import type { SpeechRegion } from "../types.js";
import { detectSpeech, energyVad, vadBackend, type VadOptions } from "./silero.js";

export function frameAccuracy(hyp: SpeechRegion[], ref: SpeechRegion[], duration: number, step = 0.01): number {
  const n = Math.floor(duration / step);
  const mark = (rs: SpeechRegion[]): Uint8Array => {
    const m = new Uint8Array(n);
    for (const r of rs) for (let i = Math.max(0, Math.floor(r.start / step)); i < Math.min(n, Math.ceil(r.end / step)); i++) m[i] = 1;
    return m;
  };
  const a = mark(hyp), b = mark(ref);
  let ok = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) ok++;
  return n ? ok / n : 1;
}

async function load(path: string): Promise<{ channels: Float32Array[] }> {
  const d = await decodeAudio(readFileSync(path), { encoding: "WAV", sampleRate: 16000 });
  return { channels: d.channels.map((c) => resample(c, d.sampleRate, 16000)) };
}

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? "../shared/eval/diarization");
  const opts: VadOptions = {};
  if (process.argv[3]) opts.threshold = Number(process.argv[3]);
  if (process.argv[4]) opts.minSilenceSeconds = Number(process.argv[4]);
  if (process.argv[5]) opts.padSeconds = Number(process.argv[5]);
  console.log("backend:", vadBackend().backend, JSON.stringify(opts));
  const items: { name: string; x: Float32Array; ref: SpeechRegion[]; dur: number }[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      const j = JSON.parse(readFileSync(join(dir, f), "utf8")) as { audio: string; duration: number; segments: SpeechRegion[] };
      const a = await load(join(dir, j.audio));
      items.push({ name: f.replace(".json", ""), x: toMono(a.channels), ref: j.segments, dur: j.duration });
    }
  } else console.log(`(no ${dir}: skipping the development set)`);
  const fx = resolve("test/fixtures");
  const call = JSON.parse(readFileSync(join(fx, "stereo-call.json"), "utf8")) as { duration: number; segments: (SpeechRegion & { speaker: string })[] };
  const ca = await load(join(fx, "stereo-call.wav"));
  for (const ch of [0, 1]) items.push({ name: `stereo-call ch${ch}`, x: ca.channels[ch]!, ref: call.segments.filter((s) => s.speaker === String(ch)), dur: call.duration, fixture: true } as never);
  const mono = JSON.parse(readFileSync(join(fx, "mono-two-voices.json"), "utf8")) as { duration: number; segments: SpeechRegion[] };
  items.push({ name: "mono-two-voices", x: (await load(join(fx, "mono-two-voices.wav"))).channels[0]!, ref: mono.segments, dur: mono.duration, fixture: true } as never);

  let okS = 0, okE = 0, nAll = 0, secs = 0, tS = 0, tE = 0;
  for (const it of items) {
    let t = performance.now();
    const h = detectSpeech(it.x, opts);
    tS += performance.now() - t;
    t = performance.now();
    const e = energyVad(it.x);
    tE += performance.now() - t;
    const accS = frameAccuracy(h, it.ref, it.dur);
    const accE = frameAccuracy(e, it.ref, it.dur);
    const frames = Math.floor(it.dur / 0.01);
    if (!(it as { fixture?: boolean }).fixture) {
      okS += accS * frames;
      okE += accE * frames;
      nAll += frames;
    }
    secs += it.x.length / 16000;
    console.log(`${it.name.padEnd(18)} silero ${accS.toFixed(3)}  energy ${accE.toFixed(3)}`);
  }
  if (nAll) console.log(`dev set pooled     silero ${(okS / nAll).toFixed(3)}  energy ${(okE / nAll).toFixed(3)}`);
  console.log(`speed: silero ${(secs / (tS / 1000)).toFixed(0)}x realtime, energy ${(secs / (tE / 1000)).toFixed(0)}x (incl. first-use model load)`);
}

if (process.argv[1] && resolve(process.argv[1]).endsWith("eval-vad.ts")) void main();
