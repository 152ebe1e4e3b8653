// The count and resegmentation options measured in docs/diarization.md ("Count rules tried"):
// off by default; these check their building blocks and that each still gives a sound result.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { consensusLabels, touchingSimilarity } from "../../src/analysis/diarization/classic.js";
import { findTurnsDetailed } from "../../src/analysis/diarization/index.js";
import { detectSpeech16k, loadAudio16k } from "../../src/analysis/diarization/io.js";
import { computeDer, type Segment } from "../../src/eval/der.js";

const FX = join(import.meta.dirname, "..", "fixtures");

describe("touchingSimilarity", () => {
  it("takes the median over windows that touch end to start, not overlapping ones", () => {
    const wins: [number, number][] = [[0, 150], [75, 225], [150, 300], [225, 375], [300, 450]];
    const W = wins.length;
    const S = new Float64Array(W * W).fill(-5); // overlapping pairs must not count
    const set = (i: number, j: number, v: number) => { S[i * W + j] = v; S[j * W + i] = v; };
    set(0, 2, 0.9);
    set(1, 3, 0.1);
    set(2, 4, 0.5);
    expect(touchingSimilarity(S, wins)).toBe(0.5);
    expect(touchingSimilarity(S, [[0, 150], [75, 225]])).toBe(0); // no touching pair
  });
});

describe("consensusLabels", () => {
  it("matches the second labelling's speakers to the first's and drops the frames they disagree on", () => {
    const a = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const b = Int32Array.from([1, 1, 0, 0, 0, 1]); // b's 1 is a's 0; frames 2 and 5 disagree
    expect(Array.from(consensusLabels(a, b, 2))).toEqual([0, 0, -1, 1, 1, -1]);
  });
});

describe("options on the two-voice fixture", async () => {
  const a = await loadAudio16k(join(FX, "mono-two-voices.wav"));
  const speech = [await detectSpeech16k(a.channels[0]!)];
  const ref = (JSON.parse(readFileSync(join(FX, "mono-two-voices.json"), "utf8")) as { segments: Segment[] }).segments;
  for (const params of [{ resegMap: 8, gmmComponents: 32 }, { consensus: 1 }, { svAdapt: 0.75, svThreshold: 0 }, { method: 4 }]) {
    it(`${JSON.stringify(params)}: two speakers, DER < 10% (collar 0.25)`, () => {
      const r = findTurnsDetailed({ channels16k: a.channels, speech, speakers: -1, separateSpeakerPerChannel: false }, { params });
      expect(new Set(r.turns.map((t) => t.speaker)).size).toBe(2);
      expect(computeDer(ref, r.turns, { duration: a.duration, collar: 0.25 }).der).toBeLessThan(0.1);
    });
  }
});
