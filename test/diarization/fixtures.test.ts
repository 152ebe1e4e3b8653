import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTurns, findTurnsDetailed } from "../../src/analysis/diarization/index.js";
import { detectSpeech16k, loadAudio16k } from "../../src/analysis/diarization/io.js";
import { findInterruptions } from "../../src/analysis/metrics/interruptions.js";
import type { SpeechRegion } from "../../src/analysis/types.js";
import { computeDer, type Segment } from "../../src/eval/der.js";
import { runDiarizationEval } from "../../src/eval/diarization.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const SHARED = join(import.meta.dirname, "..", "..", "..", "shared", "eval", "diarization");

async function load(name: string) {
  const a = await loadAudio16k(join(FX, name));
  const speech: SpeechRegion[][] = [];
  for (const c of a.channels) speech.push(await detectSpeech16k(c));
  return { ...a, speech };
}
const truth = (name: string) => JSON.parse(readFileSync(join(FX, name), "utf8")) as { segments: Segment[]; interruptions?: { speaker: string; interrupted: string; start: number; end: number }[] };

describe("mono two voices", async () => {
  const a = await load("mono-two-voices.wav");
  const ref = truth("mono-two-voices.json").segments;

  it("finds 2 speakers with a low DER (ids by first appearance)", () => {
    const turns = findTurns({ channels16k: a.channels, speech: a.speech, speakers: -1, separateSpeakerPerChannel: false });
    expect(new Set(turns.map((t) => t.speaker))).toEqual(new Set(["0", "1"]));
    expect(turns[0]!.speaker).toBe("0");
    // measured 0.8% (collar 0.25 s); bound with margin
    expect(computeDer(ref, turns, { collar: 0.25 }).der).toBeLessThan(0.1);
  });

  it("honours speakers: N", () => {
    for (const n of [1, 2, 3]) {
      const turns = findTurns({ channels16k: a.channels, speech: a.speech, speakers: n, separateSpeakerPerChannel: false });
      expect(new Set(turns.map((t) => t.speaker)).size).toBe(n);
    }
  });
});

describe("stereo", async () => {
  it("auto-detects one speaker per channel and finds the interruption", async () => {
    const a = await load("stereo-call.wav");
    const t = truth("stereo-call.json");
    const r = findTurnsDetailed({ channels16k: a.channels, speech: a.speech, speakers: -1, separateSpeakerPerChannel: false });
    expect(r.mode).toBe("per-channel");
    expect(computeDer(t.segments, r.turns, { collar: 0.25 }).der).toBeLessThan(0.1);
    expect(computeDer(t.segments, r.turns, { collar: 0.25 }).mapping).toEqual({ "0": "0", "1": "1" });
    const ev = findInterruptions(r.turns);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ speaker: "1", interrupted: "0" });
    expect(Math.abs(ev[0]!.start - t.interruptions![0]!.start)).toBeLessThan(0.5);
    // the flag gives the same turns
    const forced = findTurnsDetailed({ channels16k: a.channels, speech: a.speech, speakers: -1, separateSpeakerPerChannel: true });
    expect(forced.turns).toEqual(r.turns);
  });

  it("treats identical channels as mono", async () => {
    const a = await load("stereo-identical.wav");
    const r = findTurnsDetailed({ channels16k: a.channels, speech: a.speech, speakers: -1, separateSpeakerPerChannel: false });
    expect(r.mode).toBe("mono");
    expect(r.stereo?.layout).toBe("identical");
  });
});

describe.skipIf(!existsSync(SHARED))("shared eval set (../shared/eval/diarization)", () => {
  it("phone call sample: DER (collar 0.25) within target", async () => {
    const s = await runDiarizationEval(SHARED, { quiet: true });
    const sample = s.files.find((f) => f.file === "sample.wav")!;
    // measured 5.8%; target 15%
    expect(sample.derCollar.der).toBeLessThan(0.15);
    expect(sample.speakersDetected).toBe(2);
  });
});
if (!existsSync(SHARED)) console.warn(`skipping shared-eval diarization test: ${SHARED} not found`);
