import { describe, expect, it } from "vitest";
import { findInterruptions, interruptionCounts } from "../../src/analysis/metrics/interruptions.js";
import { talkToListen } from "../../src/analysis/metrics/talk-to-listen.js";
import { longestMonologue, turnStats } from "../../src/analysis/metrics/turn-stats.js";
import { viterbiMinDuration } from "../../src/analysis/diarization/viterbi.js";

describe("interruptions", () => {
  it("finds who interrupted whom", () => {
    const ev = findInterruptions([
      { speaker: "0", start: 0, end: 5 },
      { speaker: "1", start: 4, end: 9 },
    ]);
    expect(ev).toEqual([{ start: 4, end: 5, speaker: "1", interrupted: "0" }]);
    expect(interruptionCounts(ev)).toEqual({ "1": { made: 1, received: 0 }, "0": { made: 0, received: 1 } });
  });
  it("counts a cut-in (touching turns, no pause) unless it is a backchannel or disabled", () => {
    const cut = [{ speaker: "0", start: 0, end: 5 }, { speaker: "1", start: 5, end: 9 }];
    expect(findInterruptions(cut)).toEqual([{ start: 5, end: 5, speaker: "1", interrupted: "0" }]);
    expect(findInterruptions(cut, { cutIn: false })).toEqual([]);
    expect(findInterruptions([{ speaker: "0", start: 0, end: 5 }, { speaker: "1", start: 5, end: 5.6 }, { speaker: "0", start: 6.5, end: 9 }])).toEqual([]); // mm-hm
    expect(findInterruptions([{ speaker: "0", start: 4.9, end: 5 }, { speaker: "1", start: 5, end: 9 }])).toEqual([]); // 0 was not mid-turn
    // an overlap shorter than MIN_OVERLAP is neither (per-channel VAD jitter at a hand-over)
    expect(findInterruptions([{ speaker: "0", start: 0, end: 5.03 }, { speaker: "1", start: 5, end: 9 }])).toEqual([]);
  });
  it("ignores backchannels, hand-overs and talk-overs where nobody yields", () => {
    expect(findInterruptions([{ speaker: "0", start: 0, end: 10 }, { speaker: "1", start: 4, end: 4.5 }])).toEqual([]); // mm-hm
    expect(findInterruptions([{ speaker: "0", start: 0, end: 5 }, { speaker: "1", start: 5.3, end: 9 }])).toEqual([]); // hand-over after a pause
    expect(findInterruptions([{ speaker: "0", start: 0, end: 10 }, { speaker: "1", start: 4, end: 6 }])).toEqual([]); // 0 keeps going
  });
});

describe("talk to listen", () => {
  it("is talk share of speech per speaker", () => {
    const r = talkToListen([
      { speaker: "0", start: 0, end: 55 },
      { speaker: "1", start: 60, end: 105 },
    ]);
    expect(r.map((x) => x.ratio)).toEqual(["55:45", "45:55"]);
  });
});

describe("turn stats", () => {
  it("counts speakers, union of speech, talk and monologues", () => {
    const turns = [
      { speaker: "0", start: 0, end: 4 },
      { speaker: "1", start: 4.5, end: 5 }, // backchannel inside 0's monologue
      { speaker: "0", start: 5.2, end: 9 },
      { speaker: "1", start: 8, end: 12 },
    ];
    const s = turnStats(turns);
    expect(s.numSpeakers).toBe(2);
    expect(s.totalSpeechDuration).toBeCloseTo(12 - 0.5 - 0.2, 5);
    expect(s.speakers[0]!.talkSeconds).toBeCloseTo(7.8, 5);
    expect(longestMonologue(turns, "0")).toBeCloseTo(9, 5);
  });
});

describe("viterbi with minimum duration", () => {
  it("does not switch for blips shorter than the minimum", () => {
    const T = 60, K = 2;
    const ll = new Float32Array(T * K);
    for (let t = 0; t < T; t++) {
      const spk = t < 30 ? 0 : 1;
      const blip = t >= 10 && t < 13; // 3 frames favouring the other speaker
      ll[t * K + spk] = blip ? -5 : 0;
      ll[t * K + (1 - spk)] = blip ? 0 : -5;
    }
    const lab = viterbiMinDuration(ll, T, K, new Uint8Array(T), 10, 1);
    expect(Array.from(lab.slice(0, 30)).every((x) => x === 0)).toBe(true);
    expect(Array.from(lab.slice(31)).every((x) => x === 1)).toBe(true);
  });
});
