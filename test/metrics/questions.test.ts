import { describe, expect, it } from "vitest";
import { computeQuestions, textQuestionCue, utterancesOf } from "../../src/analysis/metrics/questions.js";
import { ESPEAK, synthConversation } from "./helpers.js";

describe("text question cues", () => {
  it.each([
    ["What time is it", "wh"],
    ["so how are you doing", "wh"],
    ["how about tomorrow", "wh"],
    ["do you have a minute", "inversion"],
    ["um can I ask you something", "inversion"],
    ["is there anything else", "inversion"],
    ["that was fun wasn't it", "tag"],
    ["you're coming, right", "tag"],
    ["You saw that?", "punctuation"],
  ])("%s → %s", (text, cue) => expect(textQuestionCue(text)).toBe(cue));
  it.each(["I am in New Jersey now", "when I was young we lived there", "what a day", "that's right", "this is Diane in New Jersey", "I think you should go"])(
    "%s is a statement",
    (text) => expect(textQuestionCue(text)).toBeNull(),
  );
  it("cuts utterances at punctuation and long gaps", () => {
    const u = utterancesOf([
      { text: "hello.", start: 0, end: 0.4 },
      { text: "are", start: 0.5, end: 0.7 },
      { text: "you", start: 0.7, end: 0.9 },
      { text: "there", start: 0.9, end: 1.2 },
      { text: "okay", start: 2.0, end: 2.3 },
    ]);
    expect(u.map((x) => x.text)).toEqual(["hello.", "are you there", "okay"]);
  });
});

describe.skipIf(!ESPEAK)("questions_asked", () => {
  it("detects a rising-intonation question from prosody alone, not the matching statement", async () => {
    const input = await synthConversation([
      { speaker: "asker", text: "Is it raining outside?" },
      { speaker: "teller", text: "It is raining outside." },
      { speaker: "asker", text: "You saw that?" },
      { speaker: "teller", text: "I saw that." },
    ]);
    const r = computeQuestions(input);
    expect(r.values).toEqual([
      { speaker_id: "asker", value: 2 },
      { speaker_id: "teller", value: 0 },
    ]);
    const q = r.stats.asker!.questions!;
    expect(q[0]!.start).toBeGreaterThanOrEqual(input.turns[0]!.start - 0.05);
    expect(q[0]!.end).toBeLessThanOrEqual(input.turns[0]!.end + 0.05);
  });
  it("counts text questions with their text when words are given", async () => {
    const input = await synthConversation([{ speaker: "a", text: "what time is it. I have to go.", opts: { speed: 160 } }]);
    const t = input.turns[0]!;
    const toks = ["what", "time", "is", "it.", "I", "have", "to", "go."];
    const step = (t.end - t.start) / toks.length;
    input.words = toks.map((w, i) => ({ text: w, start: t.start + i * step, end: t.start + (i + 1) * step }));
    const r = computeQuestions(input);
    expect(r.stats.a!.questions!.map((q) => q.text)).toContain("what time is it.");
  });
});
