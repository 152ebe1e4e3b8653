import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyseFrames } from "../../src/analysis/features/frames.js";
import { analyseTurns } from "../../src/analysis/features/segment.js";
import { espeak, loadAudio16k, memorySpeechAudio } from "../../src/analysis/features/audio-io.js";
import type { Turn } from "../../src/analysis/types.js";
import { ESPEAK } from "./helpers.js";

describe("frame features", () => {
  it("tracks the pitch of a synthetic vowel-like tone and calls silence unvoiced", () => {
    const sr = 16000;
    const x = new Float32Array(sr);
    for (let i = 0; i < sr / 2; i++) {
      const t = i / sr;
      x[i] = 0.3 * Math.sin(2 * Math.PI * 150 * t) + 0.15 * Math.sin(2 * Math.PI * 300 * t) + 0.1 * Math.sin(2 * Math.PI * 450 * t);
    }
    const tr = analyseFrames(x, 0);
    const voiced = Array.from(tr.f0.subarray(5, 45)).filter((f) => f > 0);
    expect(voiced.length).toBeGreaterThan(30);
    for (const f of voiced) expect(Math.abs(f - 150)).toBeLessThan(3);
    expect(Array.from(tr.f0.subarray(60, 95)).every((f) => f === 0)).toBe(true);
    expect(tr.db[20]!).toBeGreaterThan(-15);
  });
  it.skipIf(!ESPEAK)("a higher espeak voice has a higher median pitch", async () => {
    const lo = await espeak("the weather is nice today", { pitch: 20 });
    const hi = await espeak("the weather is nice today", { pitch: 80 });
    const input = (x: Float32Array) => ({ audio: memorySpeechAudio(x), turns: [{ speaker: "s", start: 0, end: x.length / 16000 }], speech: [] });
    const [a] = analyseTurns(input(lo));
    const [b] = analyseTurns(input(hi));
    expect(b!.f0Median - a!.f0Median).toBeGreaterThan(2); // semitones
  });
});

const FIX = new URL("../fixtures/", import.meta.url).pathname;
describe.skipIf(!existsSync(FIX + "mono-two-voices.wav"))("fixture mono-two-voices.wav", () => {
  it("the female voice (speaker 1) is higher than the male voice (speaker 0)", async () => {
    const gt = JSON.parse(readFileSync(FIX + "mono-two-voices.json", "utf8")) as { segments: Turn[] };
    const { channels } = await loadAudio16k(FIX + "mono-two-voices.wav");
    const f = analyseTurns({ audio: memorySpeechAudio(channels), turns: gt.segments, speech: [] });
    const hz = (sp: string) => f.filter((x) => x.speaker === sp).map((x) => 2 ** (x.f0Median / 12));
    expect(Math.min(...hz("1"))).toBeGreaterThan(Math.max(...hz("0")) * 1.3);
  });
});
