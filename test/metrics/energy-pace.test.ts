import { describe, expect, it } from "vitest";
import { computeEnergy, energyScore } from "../../src/analysis/metrics/energy.js";
import { computePace, paceLabel } from "../../src/analysis/metrics/pace.js";
import { analyseTurns } from "../../src/analysis/features/segment.js";
import { ESPEAK, synthConversation } from "./helpers.js";

const TEXT = "The quick brown fox jumps over the lazy dog near the river bank today";

describe("energy", () => {
  it("maps dBFS to 0-10", () => {
    expect(energyScore(-60)).toBe(0);
    expect(energyScore(-26)).toBe(7);
    expect(energyScore(-10)).toBe(10);
  });
  it.skipIf(!ESPEAK)("louder speech gets a higher level and score", async () => {
    const input = await synthConversation([
      { speaker: "quiet", text: TEXT, opts: { amplitude: 20 } },
      { speaker: "loud", text: TEXT, opts: { amplitude: 180 } },
    ]);
    const r = computeEnergy(input);
    const q = r.stats.quiet!;
    const l = r.stats.loud!;
    expect(l.energy_db! - q.energy_db!).toBeGreaterThan(12); // 20·log10(180/20) ≈ 19 dB
    expect(l.energy!).toBeGreaterThan(q.energy!);
    expect(r.values.map((v) => v.speaker_id)).toEqual(["quiet", "loud"]);
  });
});

describe.skipIf(!ESPEAK)("pace", () => {
  it("faster espeak rate gives a higher syllable rate, labelled slow < fast", async () => {
    const input = await synthConversation([
      { speaker: "slow", text: TEXT, opts: { speed: 90 } },
      { speaker: "fast", text: TEXT, opts: { speed: 330 } },
    ]);
    const r = computePace(input, analyseTurns(input));
    const s = r.stats.slow!;
    const f = r.stats.fast!;
    expect(s.pace_unit).toBe("syllables_per_second");
    expect(f.pace_value!).toBeGreaterThan(s.pace_value! * 1.8);
    expect(r.values.find((v) => v.speaker_id === "slow")!.value).toBe("slow");
    expect(r.values.find((v) => v.speaker_id === "fast")!.value).toBe("fast");
  });
  it("uses words per minute when there is a transcript", async () => {
    const input = await synthConversation([{ speaker: "a", text: TEXT }]);
    const t = input.turns[0]!;
    const n = 14;
    input.words = TEXT.split(" ").map((w, i) => ({ text: w, start: t.start + (i * (t.end - t.start)) / n, end: t.start + ((i + 1) * (t.end - t.start)) / n }));
    const r = computePace(input);
    expect(r.stats.a!.pace_unit).toBe("words_per_minute");
    expect(r.stats.a!.words_per_minute).toBeCloseTo(n / ((t.end - t.start) / 60), 0);
    expect(paceLabel(100, "words_per_minute")).toBe("slow");
    // a recognizer that lost most words is not trusted for pace
    const sparse = computePace({ ...input, words: input.words.slice(0, 3) });
    expect(sparse.stats.a!.pace_unit).toBe("syllables_per_second");
    expect(sparse.stats.a!.words_per_minute).toBeGreaterThan(0);
    expect(paceLabel(230, "words_per_minute")).toBe("fast");
  });
});
