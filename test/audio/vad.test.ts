import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeAudio } from "../../src/analysis/audio/decode.js";
import { resample } from "../../src/analysis/audio/resample.js";
import { SpeechDetector, detectSpeech, energyVad, vadBackend } from "../../src/analysis/vad/silero.js";
import { frameAccuracy } from "../../src/analysis/vad/eval-vad.js";
import type { SpeechRegion } from "../../src/analysis/types.js";

const FX = join(import.meta.dirname, "..", "fixtures");

async function load16k(file: string): Promise<Float32Array[]> {
  const d = await decodeAudio(readFileSync(join(FX, file)), { encoding: "WAV", sampleRate: 16000 });
  return d.channels.map((c) => resample(c, d.sampleRate, 16000));
}
const refOf = (file: string, speaker?: string): { duration: number; segments: SpeechRegion[] } => {
  const j = JSON.parse(readFileSync(join(FX, file), "utf8")) as { duration: number; segments: (SpeechRegion & { speaker: string })[] };
  return { duration: j.duration, segments: speaker === undefined ? j.segments : j.segments.filter((s) => s.speaker === speaker) };
};

/** Every reference turn overlaps a detected region, and every region overlaps a turn. */
function matches(hyp: SpeechRegion[], ref: SpeechRegion[]): void {
  for (const r of ref) expect(hyp.some((h) => h.start < r.end && h.end > r.start), `turn ${r.start}-${r.end} found`).toBe(true);
  for (const h of hyp) expect(ref.some((r) => h.start < r.end + 0.3 && h.end > r.start - 0.3), `region ${h.start}-${h.end} is speech`).toBe(true);
}

function noise(n: number, level: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0, s = 1; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 2 * level;
  }
  return x;
}

describe("VAD", () => {
  it("uses Silero when the model is installed", () => {
    expect(vadBackend().backend).toBe("silero");
  });

  it("finds the turns of each channel of the stereo call", async () => {
    const ch = await load16k("stereo-call.wav");
    for (const c of [0, 1]) {
      const ref = refOf("stereo-call.json", String(c));
      const hyp = detectSpeech(ch[c]!);
      matches(hyp, ref.segments);
      expect(frameAccuracy(hyp, ref.segments, ref.duration)).toBeGreaterThan(0.9);
      for (const r of ref.segments) {
        const h = hyp.find((x) => x.start < r.end && x.end > r.start)!;
        expect(Math.abs(h.start - r.start)).toBeLessThan(0.35);
      }
    }
  });

  it("finds the turns of the mono conversation", async () => {
    const [x] = await load16k("mono-two-voices.wav");
    const ref = refOf("mono-two-voices.json");
    const hyp = detectSpeech(x!);
    matches(hyp, ref.segments);
    expect(frameAccuracy(hyp, ref.segments, ref.duration)).toBeGreaterThan(0.85);
  });

  it("finds nothing in digital silence or low-level noise", () => {
    expect(detectSpeech(new Float32Array(16000 * 5))).toEqual([]);
    expect(detectSpeech(noise(16000 * 5, 0.003))).toEqual([]);
    expect(energyVad(new Float32Array(16000 * 5))).toEqual([]);
    expect(energyVad(noise(16000 * 5, 0.003))).toEqual([]);
  });

  it("streaming detection matches one-shot detection", async () => {
    const [x] = await load16k("mono-two-voices.wav");
    const whole = detectSpeech(x!);
    for (const chunk of [333, 16000, 100000]) {
      const d = new SpeechDetector();
      for (let i = 0; i < x!.length; i += chunk) d.push(x!.subarray(i, i + chunk));
      expect(d.finish()).toEqual(whole);
    }
  });

  it("energy fallback finds the turns of the stereo call", async () => {
    const ch = await load16k("stereo-call.wav");
    const ref = refOf("stereo-call.json", "0");
    const hyp = energyVad(ch[0]!);
    matches(hyp, ref.segments);
    expect(frameAccuracy(hyp, ref.segments, ref.duration)).toBeGreaterThan(0.9);
  });

  it("energy gate: long silences skip the model, regions stay where they were", async () => {
    const [x] = await load16k("mono-two-voices.wav");
    // the conversation, 20 s of digital silence, the conversation again, 20 s of dither-level noise
    const gap = 16000 * 20;
    const y = new Float32Array(2 * x!.length + 2 * gap);
    y.set(x!, 0);
    y.set(x!, x!.length + gap);
    y.set(noise(gap, 0.00003), 2 * x!.length + gap); // about -95 dBFS
    const on = new SpeechDetector({ gate: true });
    const off = new SpeechDetector({ gate: false });
    for (let i = 0; i < y.length; i += 16000 * 7) {
      on.push(y.subarray(i, i + 16000 * 7));
      off.push(y.subarray(i, i + 16000 * 7));
    }
    const a = on.finish();
    const b = off.finish();
    expect(on.skippedWindows * 512).toBeGreaterThan(2 * gap * 0.9);
    expect(off.skippedWindows).toBe(0);
    expect(frameAccuracy(a, b, y.length / 16000)).toBeGreaterThan(0.98);
    // nothing is claimed in the silences, and the second copy is found where it was put
    const dur = x!.length / 16000;
    for (const r of a) expect(r.end <= dur + 0.5 || (r.start >= dur + 20 - 0.5 && r.end <= 2 * dur + 20 + 0.5)).toBe(true);
    const ref = refOf("mono-two-voices.json").segments;
    const shifted = ref.map((r) => ({ start: r.start + dur + 20, end: r.end + dur + 20 }));
    matches(a, [...ref, ...shifted]);
  });
});
