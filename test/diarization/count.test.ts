import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { windowStatsEmbedding } from "../../src/analysis/diarization/classic.js";
import { ahcAverage, cosineMatrix } from "../../src/analysis/diarization/embed.js";
import { findTurns, findTurnsDetailed } from "../../src/analysis/diarization/index.js";
import { detectSpeech16k, loadAudio16k } from "../../src/analysis/diarization/io.js";
import { computeDer, pooled, type Segment } from "../../src/eval/der.js";
import { runDiarizationEval } from "../../src/eval/diarization.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const SHARED = join(import.meta.dirname, "..", "..", "..", "shared", "eval", "diarization");

describe("average-linkage AHC and cosine similarity", () => {
  // two tight groups of directions plus one vector between them
  const rows = [
    [1, 0.1, 0],
    [1, -0.1, 0],
    [0.9, 0, 0.1],
    [0, 1, 0.1],
    [0.1, 1, 0],
    [0, 0.9, -0.1],
  ];
  const S = Float32Array.from(rows.flat());
  const C = cosineMatrix(S, rows.length, 3);

  it("cosine matrix is symmetric with a unit diagonal", () => {
    for (let i = 0; i < 6; i++) {
      expect(C[i * 6 + i]).toBeCloseTo(1, 9);
      for (let j = 0; j < 6; j++) expect(C[i * 6 + j]).toBeCloseTo(C[j * 6 + i]!, 12);
    }
    expect(C[0 * 6 + 3]!).toBeLessThan(0.2);
  });

  it("stops at the threshold: two groups", () => {
    const r = ahcAverage(C, 6, { threshold: 0.5 });
    expect(r.k).toBe(2);
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    // merge heights only go down for average linkage on this data
    for (let i = 1; i < r.heights.length; i++) expect(r.heights[i]!).toBeLessThanOrEqual(r.heights[i - 1]! + 1e-12);
  });

  it("cuts at exactly the target", () => {
    for (const k of [1, 2, 3, 6]) expect(ahcAverage(C, 6, { target: k }).k).toBe(k);
  });
});

describe("window statistics embedding", () => {
  it("z-scores every dimension across windows", () => {
    const n = 1000, d = 4;
    const X = new Float32Array(n * d);
    for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) X[t * d + c] = Math.sin(t * (c + 1) * 0.37) + (t > 500 ? c : 0);
    const wins: [number, number][] = [];
    for (let s = 0; s + 100 <= n; s += 50) wins.push([s, s + 100]);
    const V = windowStatsEmbedding(X, d, wins, 2);
    const k = 4;
    for (let c = 0; c < k; c++) {
      let m = 0, q = 0;
      for (let w = 0; w < wins.length; w++) {
        m += V[w * k + c]!;
        q += V[w * k + c]! ** 2;
      }
      expect(m / wins.length).toBeCloseTo(0, 5);
      expect(q / wins.length).toBeCloseTo(1, 3);
    }
  });
});

describe("known count above what the recording supports", async () => {
  const a = await loadAudio16k(join(FX, "mono-two-voices.wav"));
  const speech = await detectSpeech16k(a.channels[0]!);
  const ref = (JSON.parse(readFileSync(join(FX, "mono-two-voices.json"), "utf8")) as { segments: Segment[] }).segments;
  it("default (knownSpace): exactly N speakers through the learned-space path; a wrong N splits a voice, within bounds", () => {
    const det = findTurns({ channels16k: a.channels, speech: [speech], speakers: -1, separateSpeakerPerChannel: false });
    expect(new Set(det.map((t) => t.speaker)).size).toBe(2);
    const turns = findTurns({ channels16k: a.channels, speech: [speech], speakers: 3, separateSpeakerPerChannel: false });
    expect(new Set(turns.map((t) => t.speaker)).size).toBe(3);
    // measured 18.7% against the two true voices (0.8% when 2 is given); the extra speaker is real time taken from one of them
    const der = computeDer(ref, turns, { duration: a.duration, collar: 0.25 }).der;
    expect(der).toBeLessThan(0.25);
    expect(der).toBeGreaterThan(0.05);
  });
  it("knownSpace: 0 keeps the detected speakers and gives the extra one a short atypical stretch", () => {
    const turns = findTurnsDetailed({ channels16k: a.channels, speech: [speech], speakers: 3, separateSpeakerPerChannel: false }, { params: { knownSpace: 0 } }).turns;
    const talk: Record<string, number> = {};
    for (const t of turns) talk[t.speaker] = (talk[t.speaker] ?? 0) + t.end - t.start;
    expect(Object.keys(talk)).toHaveLength(3);
    const sorted = Object.values(talk).sort((x, y) => x - y);
    // one window of 1.5 s (plus turn rounding); the two real speakers keep the rest
    expect(sorted[0]!).toBeLessThan(2);
    expect(sorted[1]!).toBeGreaterThan(3);
  });
});

describe.skipIf(!existsSync(SHARED))("speaker count on ../shared/eval/diarization", () => {
  it("AMI: DER (collar 0.25) within 30% without collapsing to one speaker; phone call kept", async () => {
    const s = await runDiarizationEval(SHARED, { quiet: true });
    const ami = s.files.filter((f) => f.file.startsWith("ami_"));
    const p = pooled(ami.map((f) => f.derCollar));
    // measured 20–23% depending on the VAD revision; target 30%
    expect(p.der).toBeLessThan(0.3);
    // the clips with two or more speakers and enough speech get more than one speaker
    expect(ami.filter((f) => f.speakersDetected >= 2).length).toBeGreaterThanOrEqual(2);
    expect(s.pooled.speakerCountExact).toBeGreaterThanOrEqual(4);
    const sample = s.files.find((f) => f.file === "sample.wav")!;
    expect(sample.speakersDetected).toBe(2);
    expect(sample.derCollar.der).toBeLessThan(0.15);
  });

  it("oracle count (speakers: N) returns N speakers where there is speech and stays within target", async () => {
    const s = await runDiarizationEval(SHARED, { quiet: true, oracleCount: true });
    for (const f of s.files) if (f.der.total > 10) expect(f.speakersDetected).toBe(f.speakersTrue);
    const ami = s.files.filter((f) => f.file.startsWith("ami_"));
    // measured 24% (35% before the count-aware known-N path)
    expect(pooled(ami.map((f) => f.derCollar)).der).toBeLessThan(0.3);
  });
});
if (!existsSync(SHARED)) console.warn(`skipping shared-eval speaker-count tests: ${SHARED} not found`);
