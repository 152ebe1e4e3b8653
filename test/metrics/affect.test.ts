import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadAudio16k, memorySpeechAudio } from "../../src/analysis/features/audio-io.js";
import { computeAffect } from "../../src/analysis/metrics/affect.js";
import { computeSilence } from "../../src/analysis/metrics/silence.js";
import type { Turn } from "../../src/analysis/types.js";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const have = existsSync(FIX + "mono-two-voices.wav") && existsSync(FIX + "stereo-call.wav");

describe.skipIf(!have)("computeAffect on the committed fixtures", () => {
  it("mono two voices: all requested metrics, segments aligned, unrequested absent", async () => {
    const gt = JSON.parse(readFileSync(FIX + "mono-two-voices.json", "utf8")) as { segments: Turn[] };
    const { channels } = await loadAudio16k(FIX + "mono-two-voices.wav");
    const input = { audio: memorySpeechAudio(channels), turns: gt.segments, speech: [] };
    const r = await computeAffect(input, ["emotion", "energy", "pace", "questions_asked", "tone", "interruptions"]);
    expect(r.segments).toHaveLength(gt.segments.length);
    expect(r.segments.every((s) => typeof s.emotion === "string" && typeof s.emotion_score === "number")).toBe(true);
    for (const key of ["energy", "pace", "questions_asked", "tone"] as const) expect(r[key]!.map((v) => v.speaker_id)).toEqual(["0", "1"]);
    expect(r.stats["0"]!.energy_db).toBeLessThan(0);
    expect(r.stats["1"]!.pace_unit).toBe("syllables_per_second");
    const only = await computeAffect(input, ["energy"]);
    expect(only.energy).toBeDefined();
    expect(only.pace).toBeUndefined();
    expect(only.tone).toBeUndefined();
    expect(only.questions_asked).toBeUndefined();
    expect(only.segments.every((s) => s.emotion === undefined)).toBe(true);
    expect(only.stats["0"]!.pace_value).toBeUndefined();
  });
  it("stereo call: each speaker read from its own channel", async () => {
    const gt = JSON.parse(readFileSync(FIX + "stereo-call.json", "utf8")) as { segments: Turn[] };
    const { channels } = await loadAudio16k(FIX + "stereo-call.wav");
    expect(channels).toHaveLength(2);
    const input = { audio: memorySpeechAudio(channels, { "0": 0, "1": 1 }), turns: gt.segments, speech: [] };
    const r = await computeAffect(input, ["energy", "pace", "tone", "emotion", "questions_asked"]);
    expect(r.energy).toHaveLength(2);
    expect(r.stats["0"]!.energy!).toBeGreaterThan(0);
    expect(r.stats["1"]!.energy!).toBeGreaterThan(0);
    expect(r.silence.total_seconds).toBeGreaterThan(0);
  });
});

describe("silence", () => {
  it("totals non-talk time and lists gaps of at least 3 s", () => {
    const audio = memorySpeechAudio(new Float32Array(16000 * 20));
    const r = computeSilence({ audio, turns: [{ speaker: "a", start: 1, end: 5 }, { speaker: "b", start: 4, end: 8 }, { speaker: "a", start: 12, end: 19 }], speech: [] });
    expect(r.total_seconds).toBeCloseTo(1 + 4 + 1, 5);
    expect(r.instances).toEqual([{ start: 8, end: 12, duration: 4 }]);
    expect(r.threshold_seconds).toBe(3);
  });
});
