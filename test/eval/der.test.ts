import { describe, expect, it } from "vitest";
import { computeDer, eventPR, hungarian, overlapOnsets, pooled, talkSeconds, type Segment } from "../../src/eval/der.js";

const ref: Segment[] = [
  { speaker: "A", start: 0, end: 10 },
  { speaker: "B", start: 10, end: 20 },
];

describe("computeDer", () => {
  it("perfect hypothesis scores 0%", () => {
    const r = computeDer(ref, ref);
    expect(r.der).toBe(0);
    expect(r.total).toBeCloseTo(20, 1);
  });

  it("swapped labels score 0% after the optimal mapping", () => {
    const hyp = [
      { speaker: "1", start: 0, end: 10 },
      { speaker: "0", start: 10, end: 20 },
    ];
    const r = computeDer(ref, hyp);
    expect(r.der).toBe(0);
    expect(r.mapping).toEqual({ "1": "A", "0": "B" });
  });

  it("a known confusion gives the known number", () => {
    // 4 s of B labelled as A's speaker: 4/20 = 20% confusion
    const hyp = [
      { speaker: "x", start: 0, end: 14 },
      { speaker: "y", start: 14, end: 20 },
    ];
    const r = computeDer(ref, hyp);
    expect(r.confusion).toBeCloseTo(4, 1);
    expect(r.missed).toBeCloseTo(0, 5);
    expect(r.falseAlarm).toBeCloseTo(0, 5);
    expect(r.der).toBeCloseTo(0.2, 2);
  });

  it("missed speech and false alarm are separated", () => {
    const hyp = [
      { speaker: "x", start: 2, end: 10 }, // 2 s missed
      { speaker: "y", start: 10, end: 23 }, // 3 s false alarm
    ];
    const r = computeDer(ref, hyp, { duration: 25 });
    expect(r.missed).toBeCloseTo(2, 1);
    expect(r.falseAlarm).toBeCloseTo(3, 1);
    expect(r.confusion).toBeCloseTo(0, 5);
    expect(r.der).toBeCloseTo(0.25, 2);
  });

  it("the collar removes ±c around reference boundaries", () => {
    // boundary error of 0.2 s at the change: inside a 0.25 s collar
    const hyp = [
      { speaker: "x", start: 0, end: 10.2 },
      { speaker: "y", start: 10.2, end: 20 },
    ];
    expect(computeDer(ref, hyp).der).toBeCloseTo(0.2 / 20, 3);
    const c = computeDer(ref, hyp, { collar: 0.25 });
    expect(c.der).toBe(0);
    // scored time: 20 s minus 0.25 at 0 (one side inside the file), 0.5 at 10, 0.25 before 20 (+ tail)
    expect(c.total).toBeCloseTo(19, 1);
  });

  it("overlapped speech counts once per speaker", () => {
    const r2: Segment[] = [
      { speaker: "A", start: 0, end: 10 },
      { speaker: "B", start: 8, end: 12 },
    ];
    // hypothesis without overlap: B's 2 s inside A's turn are missed
    const hyp = [
      { speaker: "x", start: 0, end: 10 },
      { speaker: "y", start: 10, end: 12 },
    ];
    const r = computeDer(r2, hyp);
    expect(r.total).toBeCloseTo(14, 1);
    expect(r.missed).toBeCloseTo(2, 1);
    expect(r.der).toBeCloseTo(2 / 14, 2);
    // with the overlap in the hypothesis: perfect
    expect(computeDer(r2, [{ speaker: "p", start: 0, end: 10 }, { speaker: "q", start: 8, end: 12 }]).der).toBe(0);
  });

  it("an extra hypothesis speaker is confusion, not a mapping", () => {
    const hyp = [
      { speaker: "x", start: 0, end: 10 },
      { speaker: "y", start: 10, end: 15 },
      { speaker: "z", start: 15, end: 20 },
    ];
    const r = computeDer(ref, hyp);
    expect(r.confusion).toBeCloseTo(5, 1);
    expect(Object.keys(r.mapping)).toHaveLength(2);
  });

  it("pools by summing components", () => {
    const a = computeDer(ref, ref);
    const b = computeDer(ref, [{ speaker: "x", start: 0, end: 20 }]);
    const p = pooled([a, b]);
    expect(p.der).toBeCloseTo(10 / 40, 2);
  });
});

describe("helpers", () => {
  it("hungarian finds the maximum assignment", () => {
    expect(hungarian([[-1, -5], [-4, -2]])).toEqual([1, 0]);
    expect(hungarian([[-3], [-9]])).toEqual([-1, 0]);
  });
  it("talk seconds use the union per speaker", () => {
    expect(talkSeconds([{ speaker: "A", start: 0, end: 2 }, { speaker: "A", start: 1, end: 3 }])).toEqual({ A: 3 });
  });
  it("overlap onsets and event precision/recall", () => {
    const on = overlapOnsets([{ speaker: "A", start: 0, end: 5 }, { speaker: "B", start: 4, end: 8 }]);
    expect(on).toEqual([4]);
    const pr = eventPR([1, 5, 9], [1.3, 9.6, 20]);
    expect(pr.matched).toBe(1);
    expect(pr.precision).toBeCloseTo(1 / 3);
    expect(pr.recall).toBeCloseTo(1 / 3);
  });
});
