import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countInSpace } from "../../src/analysis/diarization/classic.js";
import { findTurnsDetailed } from "../../src/analysis/diarization/index.js";
import { detectSpeech16k, loadAudio16k } from "../../src/analysis/diarization/io.js";
import { loadSpeakerSpace, SPEAKER_SPACE_PATH, type SpeakerSpaceFile } from "../../src/analysis/diarization/speaker-space.js";
import { gauss, rng } from "../../src/eval/augment.js";
import { byActor, isConversational, loadClips, simulateConversation } from "../../src/eval/simulate.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const RAVDESS = join(import.meta.dirname, "..", "..", "..", "shared", "train", "ravdess");

describe("fitted speaker space (fitted/speaker-space.json)", () => {
  const file = JSON.parse(readFileSync(SPEAKER_SPACE_PATH, "utf8")) as SpeakerSpaceFile;
  it("has a header naming its data, a fixed date, its licence and how to rebuild it", () => {
    expect(file.header.data).toMatch(/RAVDESS/);
    expect(file.header.data).toMatch(/1188976/);
    expect(file.header.licence).toMatch(/CC BY-NC-SA 4\.0/);
    expect(file.header.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(file.header.trainCommand).toBe("npm run train:speaker");
    expect(file.header.feature).toMatch(/MFCC/);
    expect(file.header.crossValidation).toBeTruthy();
  });
  it("is consistent: a k × 40 projection, k non-negative between-speaker variances, a count rule", () => {
    const s = loadSpeakerSpace()!;
    expect(s).not.toBeNull();
    expect(file.inputDim).toBe(40);
    expect(file.projection).toHaveLength(file.dim * file.inputDim);
    expect(file.between).toHaveLength(file.dim);
    for (const b of file.between) expect(b).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(file.threshold)).toBe(true);
    const c = [-5, 0, 5].map((m) => s.countConfidence(m));
    for (const v of c) { expect(v).toBeGreaterThan(0); expect(v).toBeLessThan(1); }
  });
});

describe("count in the learned space on windows drawn from its own model", () => {
  // speaker means ~ N(0, B), windows ~ N(mean, I) in the projected space: the fitted model's
  // own generative story; the count rule must recover K for well-separated speakers
  const s = loadSpeakerSpace()!;
  const k = s.dim;
  for (const K of [1, 2, 3, 4]) {
    it(`finds ${K} speaker(s) holding ≥ 95% of the windows (an outlier window may stay apart); confidence in [0, 1]`, () => {
      const r = rng(100 + K);
      const perSpk = 40;
      const W = K * perSpk;
      const Y = new Float64Array(W * k);
      // speakers spread along the axes (every pair differs by ≥ 3 between-speaker sd on some axis)
      for (let c = 0; c < K; c++) {
        const mean = Array.from({ length: k }, (_, i) => (i === c ? 3 : -1) * Math.sqrt(s.file.between[i]!) * (K > 1 ? 1 : 0));
        for (let w = 0; w < perSpk; w++) for (let i = 0; i < k; i++) Y[(c * perSpk + w) * k + i] = mean[i]! + gauss(r);
      }
      const res = countInSpace(s.llrMatrix(Y, W), W, s.threshold, s.file.minClusterWindows, s);
      // the K largest clusters are the K speakers, each pure
      const sizes = new Map<number, number>();
      for (let w = 0; w < W; w++) sizes.set(res.labels[w]!, (sizes.get(res.labels[w]!) ?? 0) + 1);
      const big = [...sizes.entries()].sort((x, y) => y[1] - x[1]).slice(0, K);
      expect(big.reduce((acc, [, n]) => acc + n, 0)).toBeGreaterThanOrEqual(0.95 * W);
      for (const [lab] of big) {
        const owners = new Set<number>();
        for (let w = 0; w < W; w++) if (res.labels[w] === lab) owners.add(Math.floor(w / perSpk));
        expect(owners.size).toBe(1);
      }
      expect(res.k).toBeGreaterThanOrEqual(K);
      expect(res.k).toBeLessThanOrEqual(K + 1);
      expect(res.count.confidence).toBeGreaterThanOrEqual(0);
      expect(res.count.confidence).toBeLessThanOrEqual(1);
      expect(res.count.runnerUp).not.toBe(res.k);
    });
  }
});

describe("confidences on a real recording and the given count", async () => {
  const a = await loadAudio16k(join(FX, "mono-two-voices.wav"));
  const speech = [await detectSpeech16k(a.channels[0]!)];
  const run = (speakers: number, space = 0) => findTurnsDetailed({ channels16k: a.channels, speech, speakers, separateSpeakerPerChannel: false }, { params: { space } });
  it("detected: count confidence and every turn's speaker confidence in [0, 1], a runner-up ≠ the count", () => {
    for (const space of [0, 1]) {
      const r = run(-1, space);
      const n = new Set(r.turns.map((t) => t.speaker)).size;
      expect(r.count!.count).toBe(n);
      expect(r.count!.confidence).toBeGreaterThanOrEqual(0);
      expect(r.count!.confidence).toBeLessThanOrEqual(1);
      expect(r.count!.runnerUp).toBeDefined();
      expect(r.count!.runnerUp).not.toBe(n);
      for (const t of r.turns) {
        expect(t.speakerConfidence).toBeGreaterThanOrEqual(0);
        expect(t.speakerConfidence).toBeLessThanOrEqual(1);
      }
      // with two speakers the posteriors are not all trivially 1
      if (n > 1) expect(r.turns.some((t) => t.speakerConfidence! < 0.999)).toBe(true);
    }
  });
  it("speakers: N is honoured and reported as given (confidence 1, no runner-up)", () => {
    for (const N of [2, 3]) {
      const r = run(N, 1);
      expect(new Set(r.turns.map((t) => t.speaker)).size).toBe(N);
      expect(r.count).toMatchObject({ count: N, confidence: 1, source: "given" });
      expect(r.count!.runnerUp).toBeUndefined();
    }
  });
});

describe.skipIf(!existsSync(RAVDESS))("simulated conversations from RAVDESS", async () => {
  const clips = existsSync(RAVDESS) ? (await loadClips(RAVDESS, [13, 14, 21, 22])).filter((c) => isConversational(c.file)) : [];
  const pool = byActor(clips);
  it("builds conversations with known truth: every speaker present, overlaps possible, deterministic", () => {
    const c1 = simulateConversation(pool, { speakers: 3, seconds: 30, condition: "far", seed: 1 });
    const c2 = simulateConversation(pool, { speakers: 3, seconds: 30, condition: "far", seed: 1 });
    expect(new Set(c1.segments.map((s) => s.speaker)).size).toBe(3);
    expect(c1.seconds).toBeGreaterThan(30);
    expect(Buffer.from(c1.samples.buffer).equals(Buffer.from(c2.samples.buffer))).toBe(true);
  });
  it("scrambled utterances: deterministic, each turn of one speaker's fragments, content no longer aligned", () => {
    const o = { speakers: 2, seconds: 30, condition: "wide" as const, seed: 5, scramble: true };
    const c1 = simulateConversation(pool, o);
    const c2 = simulateConversation(pool, o);
    expect(Buffer.from(c1.samples.buffer).equals(Buffer.from(c2.samples.buffer))).toBe(true);
    expect(new Set(c1.segments.map((s) => s.speaker)).size).toBe(2);
    const plain = simulateConversation(pool, { ...o, scramble: false });
    expect(Buffer.from(plain.samples.buffer).equals(Buffer.from(c1.samples.buffer))).toBe(false);
    // turn pieces are 2–3.5 s pseudo-utterances (backchannels 0.3–0.7 s), never a whole clip's length pattern
    const long = c1.segments.filter((s) => s.end - s.start > 1);
    expect(long.length).toBeGreaterThan(3);
    for (const s of long) { expect(s.end - s.start).toBeGreaterThanOrEqual(1.99); expect(s.end - s.start).toBeLessThanOrEqual(3.52); }
  });
  it("learned space: one speaker stays one, two speakers are found (oracle speech regions)", () => {
    for (const [spk, seed] of [[1, 3], [2, 4]] as const) {
      const conv = simulateConversation(pool, { speakers: spk, seconds: 30, condition: "wide", seed });
      const speech = [conv.segments.map((s) => ({ start: s.start, end: s.end }))];
      const r = findTurnsDetailed({ channels16k: [conv.samples], speech, speakers: -1, separateSpeakerPerChannel: false }, { params: { space: 1 } });
      expect(new Set(r.turns.map((t) => t.speaker)).size).toBe(spk);
    }
  });
});
if (!existsSync(RAVDESS)) console.warn(`skipping simulated-conversation tests: ${RAVDESS} not found`);

describe("confidences in the analysis result (pipeline → REST shape → GraphQL mapper)", () => {
  it("carries num_speakers_confidence, the runner-up and per-segment speaker_confidence; the GraphQL mapper exposes them", async () => {
    const { analyze } = await import("../../src/analysis/pipeline.js");
    const { toInteractionAnalytics } = await import("../../src/graphql/mappers.js");
    const data = readFileSync(join(FX, "mono-two-voices.wav"));
    const r = await analyze(data, { encoding: "WAV", sampleRate: 16000, languageCode: "en-US", metrics: ["talk_to_listen_ratio"], speakers: -1, separateSpeakerPerChannel: false } as never);
    expect(r.num_speakers).toBe(2);
    expect(r.num_speakers_confidence!).toBeGreaterThanOrEqual(0);
    expect(r.num_speakers_confidence!).toBeLessThanOrEqual(1);
    expect(r.num_speakers_runner_up).toBeDefined();
    expect(r.num_speakers_runner_up).not.toBe(2);
    for (const s of r.segments) {
      expect(s.speaker_confidence!).toBeGreaterThanOrEqual(0);
      expect(s.speaker_confidence!).toBeLessThanOrEqual(1);
    }
    const g = toInteractionAnalytics(r);
    expect(g.numSpeakersConfidence).toBe(r.num_speakers_confidence);
    expect(g.numSpeakersRunnerUp).toBe(r.num_speakers_runner_up);
    expect(g.segments.map((s) => s.speakerConfidence)).toEqual(r.segments.map((s) => s.speaker_confidence));
  });
});
