import { describe, expect, it } from "vitest";
import { estimateSyllables, normaliseText, wordEdits } from "../../src/eval/asr.js";
import { assignWordsToTurns } from "../../src/analysis/transcription/index.js";

describe("WER helpers", () => {
  it("normalises and counts word edits", () => {
    expect(normaliseText("And so, my fellow Americans: ask-not!")).toEqual(["and", "so", "my", "fellow", "americans", "ask", "not"]);
    expect(wordEdits(["a", "b", "c"], ["a", "x", "c", "d"])).toBe(2);
    expect(wordEdits([], ["a"])).toBe(1);
  });
  it("estimates syllables", () => {
    expect(["the", "child", "almost", "figures", "americans", "country"].map(estimateSyllables)).toEqual([1, 1, 2, 2, 4, 2]);
  });
});

describe("assignWordsToTurns at scale", () => {
  it("assigns 40k words to 2.5k turns consistently", () => {
    const turns = Array.from({ length: 2500 }, (_, i) => ({ speaker: String(i % 2), start: i * 6, end: i * 6 + 5.5 + (i % 3) }));
    const words = Array.from({ length: 40000 }, (_, i) => ({ text: "w", start: i * 0.375, end: i * 0.375 + 0.3 }));
    const r = assignWordsToTurns(words, turns);
    const n = r.reduce((s, t) => s + t.words.length, 0);
    expect(n).toBeGreaterThan(39000);
    expect(r[10]!.words.every((w) => w.end > turns[10]!.start - 0.5 && w.start < turns[10]!.end + 0.5)).toBe(true);
  });
});
