import { describe, expect, it } from "vitest";
import { computeEmotion, EMOTIONS } from "../../src/analysis/metrics/emotion.js";
import { applyTextValence, classify, PROTOTYPES } from "../../src/analysis/metrics/emotion/model.js";
import { computeTone, toneLabel } from "../../src/analysis/metrics/tone.js";
import { ESPEAK, synthConversation } from "./helpers.js";

const AROUSED = new Set(["anger", "joy", "fear", "surprise"]);
const LOW = new Set(["calm", "sadness", "neutral", "disgust"]);
const TEXT = "I told you the results would arrive on Monday morning";

describe("emotion model", () => {
  it("each prototype classifies as itself", () => {
    for (const e of EMOTIONS) expect(Object.entries(classify(PROTOTYPES[e])).sort((a, b) => b[1] - a[1])[0]![0]).toBe(e);
  });
  it("positive text shifts towards joy", () => {
    const p = classify([0, 0, 0, 0, 0, 0]);
    expect(applyTextValence(p, 0.9).joy).toBeGreaterThan(p.joy);
    expect(applyTextValence(p, 0.1)).toEqual(p);
  });
});

describe.skipIf(!ESPEAK)("emotion per segment", () => {
  it("marks a louder, higher, faster segment as aroused and a soft, low, slow one as not", async () => {
    const input = await synthConversation([
      { speaker: "s", text: TEXT },
      { speaker: "s", text: TEXT, opts: { pitch: 85, amplitude: 190, speed: 210 } },
      { speaker: "s", text: TEXT },
      { speaker: "s", text: TEXT, opts: { pitch: 20, amplitude: 40, speed: 140 } },
      { speaker: "s", text: TEXT },
    ]);
    const r = computeEmotion(input);
    expect(r).toHaveLength(5);
    for (const s of r) {
      expect(EMOTIONS).toContain(s.emotion);
      expect(s.emotion_score).toBeGreaterThanOrEqual(0);
      expect(s.emotion_score).toBeLessThanOrEqual(1);
    }
    expect(AROUSED.has(r[1]!.emotion)).toBe(true);
    expect(LOW.has(r[3]!.emotion)).toBe(true);
  });
});

describe.skipIf(!ESPEAK)("text combined with acoustics", () => {
  it("positive words raise joy for the segment and make the speaker's valence positive", async () => {
    const input = await synthConversation([
      { speaker: "s", text: "I love this, it is wonderful and great" },
      { speaker: "s", text: TEXT },
    ]);
    const plain = computeEmotion(input);
    const t = input.turns[0]!;
    const toks = ["I", "love", "this,", "it", "is", "wonderful", "and", "great"];
    const step = (t.end - t.start) / toks.length;
    const words = toks.map((w, i) => ({ text: w, start: t.start + i * step, end: t.start + (i + 1) * step }));
    const withText = computeEmotion({ ...input, words });
    expect(withText[0]!.valence_text!).toBeGreaterThan(0.5);
    expect(withText[0]!.posterior!.joy).toBeGreaterThan(plain[0]!.posterior!.joy);
    expect(withText[1]!.valence_text).toBeUndefined();
  });
});

describe("tone", () => {
  it("labels by arousal and valence", () => {
    expect(toneLabel(1, 0.5)).toBe("excited");
    expect(toneLabel(1, -0.6)).toBe("angry");
    expect(toneLabel(-1, 0)).toBe("calm");
    expect(toneLabel(-1, -0.5)).toBe("sad");
    expect(toneLabel(0, 0)).toBe("neutral");
  });
  it.skipIf(!ESPEAK)("a high, fast, wide-range voice is more aroused than a low, slow, soft one", async () => {
    const input = await synthConversation([
      { speaker: "hi", text: TEXT, opts: { voice: "en-us+f3", pitch: 90, speed: 240, amplitude: 180 } },
      { speaker: "lo", text: TEXT, opts: { pitch: 5, speed: 110, amplitude: 25 } },
    ]);
    const r = computeTone(input);
    expect(["excited", "angry"]).toContain(r.stats.hi!.tone);
    expect(["calm", "sad", "neutral"]).toContain(r.stats.lo!.tone);
  });
});
