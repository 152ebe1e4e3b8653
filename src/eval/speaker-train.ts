/**
 * Training and checking of the speaker space (`npm run train:speaker`, scripts/train-speaker.ts)
 * on RAVDESS, with actors held out:
 *
 * 1. Clip features: each clip (cut to its speech extent) under the three channel conditions
 *    of augment.ts, MFCC by the diarizer's own extractor (band detected as at inference),
 *    speech frames by energy.
 * 2. Pseudo-recordings: 2–6 actors' clips normalised together (classic.ts buildMatrix), 1.5 s
 *    windows inside each actor's stretch → labelled window features (speaker-fit.ts).
 * 3. Leave-actors-out check of the space: 4 folds of 4 actors (2 female, 2 male), fit on 12,
 *    equal-error rate of same/different-speaker window pairs on the held-out 4; the previous
 *    z-scored statistics + cosine scored on the same pairs for comparison. The shrinkage and
 *    dimension are chosen by this mean EER.
 * 4. Count rule: 2 folds of 8 actors; a space fitted on one half, simulated conversations
 *    (simulate.ts, 1–6 speakers, 30 and 60 s, three conditions) built from the other half; the
 *    AHC threshold and minimum cluster size that get the count right most often, and a
 *    logistic calibration of P(count right) on the decision margin.
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildMatrix, countInSpace, countWindows, decisionMargin, DEFAULT_PARAMS, spaceSimilarity, speechFrames, statsThreshold, windowStatsEmbedding } from "../analysis/diarization/classic.js";
import { ahcAverage, cosineMatrix } from "../analysis/diarization/embed.js";
import { FRAME_RATE, mfccOf, NUM_CEPS } from "../analysis/diarization/mfcc.js";
import { eer, fitSpeakerSpace, mean, pairEer, recordingWindows, type ClipFeatures, type LabelledWindows } from "../analysis/diarization/speaker-fit.js";
import { SpeakerSpace, type SpeakerSpaceFile } from "../analysis/diarization/speaker-space.js";
import { applyCondition, CONDITIONS, energySpeechFrames, rng, type Condition } from "./augment.js";
import { byActor, isConversational, loadClips, simulateConversation, truthSpeech, type SimClip } from "./simulate.js";

export const WIN = DEFAULT_PARAMS.svWin;
export const HOP = DEFAULT_PARAMS.svHop;

export type FeatureBank = Map<Condition, ClipFeatures[]>;

/** Speech-frame static MFCC rows of every clip under every condition. */
export function clipFeatures(clips: SimClip[]): FeatureBank {
  const bank: FeatureBank = new Map();
  CONDITIONS.forEach((cond, ci) => {
    const out: ClipFeatures[] = [];
    clips.forEach((c, i) => {
      const x = applyCondition(c.samples, cond, rng(1000003 * ci + i + 1));
      const fs = mfccOf(x);
      const sp = energySpeechFrames(c.samples);
      const rows: number[] = [];
      for (let t = 0; t < Math.min(fs.rows, sp.length); t++) if (sp[t]) for (let j = 0; j < NUM_CEPS; j++) rows.push(fs.value(t, j));
      out.push({ actor: c.actor, rows: Float32Array.from(rows) });
    });
    bank.set(cond, out);
  });
  return bank;
}

/** Pseudo-recordings of 2..maxK actors from `actors`, `perCond` per condition, 5 clips per actor. */
export function pseudoRecordings(bank: FeatureBank, actors: number[], perCond: number, seed: number, maxK = 6): LabelledWindows[] {
  const r = rng(seed);
  const recs: LabelledWindows[] = [];
  for (const cond of CONDITIONS) {
    const feats = bank.get(cond)!;
    const by = new Map<number, ClipFeatures[]>();
    for (const f of feats) if (actors.includes(f.actor)) (by.get(f.actor) ?? by.set(f.actor, []).get(f.actor)!).push(f);
    for (let i = 0; i < perCond; i++) {
      const K = 2 + Math.floor(r() * (Math.min(maxK, actors.length) - 1));
      const pool = actors.slice();
      const chosen: number[] = [];
      while (chosen.length < K) chosen.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!);
      const clips: ClipFeatures[] = [];
      // speakers at different distances from the microphone: −6..0 dB each
      const shift = new Map(chosen.map((a) => [a, 16 * Math.log(10 ** (-(6 * r()) / 20))]));
      for (const a of chosen) {
        const cs = by.get(a)!;
        for (let j = 0; j < 5; j++) clips.push(cs[Math.floor(r() * cs.length)]!);
      }
      recs.push(recordingWindows(clips, WIN, HOP, shift));
    }
  }
  return recs;
}

/** EER of the previous design (per-recording z-scored statistics, cosine) on the same pairs. */
function baselineEer(bankRecs: LabelledWindows[]): number {
  const same: number[] = [], diff: number[] = [];
  for (const r of bankRecs) {
    // z-score each dimension across the recording's windows, as windowStatsEmbedding does
    const D = 2 * NUM_CEPS;
    const V = Float32Array.from(r.V);
    for (let c = 0; c < D; c++) {
      let m = 0, q = 0;
      for (let w = 0; w < r.W; w++) { m += V[w * D + c]!; q += V[w * D + c]! ** 2; }
      m /= r.W;
      const sd = Math.sqrt(Math.max(1e-9, q / r.W - m * m));
      for (let w = 0; w < r.W; w++) V[w * D + c] = (V[w * D + c]! - m) / sd;
    }
    const C = cosineMatrix(V, r.W, D);
    for (let a = 0; a < r.W; a++) for (let b = a + 1; b < r.W; b++) (r.labels[a] === r.labels[b] ? same : diff).push(C[a * r.W + b]!);
  }
  return eer(same, diff);
}

export const FOLDS4 = [0, 1, 2, 3].map((f) => [9, 10, 17, 18].map((a) => a + 2 * f));

export interface CvRow {
  shrinkage: number;
  dim: number;
  eer: number;
  eerByCondition: Record<string, number>;
  meanLlrSame: number;
  meanLlrDiff: number;
}

/** Leave-4-actors-out EER of the space for one (shrinkage, dim). */
export function crossValidate(bank: FeatureBank, allActors: number[], shrinkage: number, dim: number): CvRow & { baselineEer: number } {
  const byCond: Record<string, number[]> = {};
  const eers: number[] = [], same: number[] = [], diff: number[] = [], base: number[] = [];
  FOLDS4.forEach((test, f) => {
    const train = allActors.filter((a) => !test.includes(a));
    const sp = new SpeakerSpace({ ...fitSpeakerSpace(pseudoRecordings(bank, train, 40, 11 + f), { shrinkage, dim }), header: {} as SpeakerSpaceFile["header"], threshold: 0, minClusterWindows: 1, confidence: { a: 0, b: 1 } });
    const testRecs = pseudoRecordings(bank, test, 12, 101 + f, 4);
    CONDITIONS.forEach((c, ci) => {
      const rs = testRecs.slice(ci * 12, (ci + 1) * 12);
      const e = pairEer(sp, rs);
      (byCond[c] ??= []).push(e.eer);
      eers.push(e.eer);
      same.push(e.meanSame);
      diff.push(e.meanDiff);
    });
    base.push(baselineEer(testRecs));
  });
  return {
    shrinkage,
    dim,
    eer: r3(mean(eers)),
    eerByCondition: Object.fromEntries(Object.entries(byCond).map(([k, v]) => [k, r3(mean(v))])),
    meanLlrSame: r3(mean(same)),
    meanLlrDiff: r3(mean(diff)),
    baselineEer: r3(mean(base)),
  };
}

/** A simulated conversation's LLR matrix in a given space (oracle speech regions). */
export interface SimCase {
  speakers: number;
  condition: Condition;
  seconds: number;
  S: Float64Array;
  /** Cosine matrix of the previous design's z-scored statistics (same windows). */
  C: Float64Array;
  W: number;
}

export function simCases(space: SpeakerSpace, pool: Map<number, SimClip[]>, n: number, seed: number): SimCase[] {
  const out: SimCase[] = [];
  const maxSpk = Math.min(6, pool.size);
  for (let spk = 1; spk <= maxSpk; spk++) {
    for (let i = 0; i < n; i++) {
      const condition = CONDITIONS[(i + spk) % 3]!;
      const seconds = i % 2 === 0 ? 30 : 60;
      const conv = simulateConversation(pool, { speakers: spk, seconds, condition, seed: seed + i });
      const fs = mfccOf(conv.samples);
      const speech = truthSpeech(conv.segments);
      const sf = speechFrames(fs.rows, speech);
      if (sf.idx.length < DEFAULT_PARAMS.minDetectSec * FRAME_RATE) continue;
      const X = buildMatrix(fs, sf);
      // the diarizer's own count windows
      const { wins } = countWindows(sf.idx.length, DEFAULT_PARAMS);
      const C = cosineMatrix(windowStatsEmbedding(X, 2 * NUM_CEPS, wins, NUM_CEPS), wins.length, 2 * NUM_CEPS);
      out.push({ speakers: spk, condition, seconds, S: spaceSimilarity(X, 2 * NUM_CEPS, wins, space), C, W: wins.length });
    }
  }
  return out;
}

export interface CountFit {
  threshold: number;
  minClusterWindows: number;
  accuracy: number;
  accuracyBySpeakers: Record<string, number>;
  confidence: { a: number; b: number };
  cases: number;
  /** Mean predicted confidence where right / wrong (calibration check). */
  meanConfidenceRight: number;
  meanConfidenceWrong: number;
}

/** Fits the logistic P(right) = σ(a + b·margin) by Newton steps. */
function fitLogistic(margins: number[], right: boolean[]): { a: number; b: number } {
  let a = 0, b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-6;
    margins.forEach((m0, i) => {
      const m = Math.min(10, m0);
      const p = 1 / (1 + Math.exp(-(a + b * m)));
      const y = right[i] ? 1 : 0;
      ga += y - p;
      gb += (y - p) * m;
      const w = p * (1 - p);
      haa += w; hab += w * m; hbb += w * m * m;
    });
    // small ridge keeps it finite when the margin separates perfectly
    gb -= 0.01 * b; hbb += 0.01;
    const det = haa * hbb - hab * hab;
    a += (hbb * ga - hab * gb) / det;
    b += (haa * gb - hab * ga) / det;
  }
  return { a: Number(a.toPrecision(6)), b: Number(b.toPrecision(6)) };
}

/** Chooses the threshold and minimum cluster size on the cases; calibrates the confidence. */
export function fitCountRule(cases: SimCase[]): CountFit {
  const dummy = new SpeakerSpace({ inputDim: 1, dim: 1, mean: [0], projection: [0], between: [0], threshold: 0, minClusterWindows: 1, confidence: { a: 0, b: 1 }, header: {} as SpeakerSpaceFile["header"] });
  let best: { th: number; mw: number; acc: number } = { th: 0, mw: 1, acc: -1 };
  for (const mw of [1, 2, 3]) {
    for (let th = -10; th <= 6.001; th += 0.25) {
      let right = 0;
      // balance the speaker counts: accuracy averaged over counts
      const by = new Map<number, [number, number]>();
      for (const c of cases) {
        const k = countInSpace(c.S, c.W, th, mw, dummy).k;
        const e = by.get(c.speakers) ?? [0, 0];
        e[0] += k === c.speakers ? 1 : 0;
        e[1]++;
        by.set(c.speakers, e);
      }
      for (const [, [r, n]] of by) right += r / n;
      const acc = right / by.size;
      if (acc > best.acc + 1e-9) best = { th: Math.round(th * 100) / 100, mw, acc };
    }
  }
  const margins: number[] = [], rights: boolean[] = [];
  const accBy: Record<string, [number, number]> = {};
  for (const c of cases) {
    const res = countInSpace(c.S, c.W, best.th, best.mw, dummy);
    // dummy confidence = σ(margin): recover the margin
    const p = res.count.confidence;
    const m = Math.log(p / (1 - p));
    margins.push(Number.isFinite(m) ? m : 10);
    rights.push(res.k === c.speakers);
    tally(accBy, c.speakers, res.k === c.speakers);
  }
  const cal = calibrateCount(margins, rights, accBy);
  return {
    threshold: best.th,
    minClusterWindows: best.mw,
    accuracy: r3(best.acc),
    accuracyBySpeakers: cal.accuracyBySpeakers,
    confidence: cal.confidence,
    cases: cases.length,
    meanConfidenceRight: cal.meanConfidenceRight,
    meanConfidenceWrong: cal.meanConfidenceWrong,
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Counts one case (right or not) under its true number of speakers. */
function tally(accBy: Record<string, [number, number]>, speakers: number, right: boolean) {
  const e = (accBy[String(speakers)] ??= [0, 0]);
  e[0] += right ? 1 : 0;
  e[1]++;
}

/** Calibrates P(right count) on the decision margin and summarises it, for either count rule. */
function calibrateCount(margins: number[], rights: boolean[], accBy: Record<string, [number, number]>) {
  const confidence = fitLogistic(margins, rights);
  const pr = margins.map((m) => 1 / (1 + Math.exp(-(confidence.a + confidence.b * Math.min(10, m)))));
  return {
    accuracyBySpeakers: Object.fromEntries(Object.entries(accBy).map(([k, [r, n]]) => [k, r3(r / n)])),
    confidence,
    meanConfidenceRight: r3(mean(pr.filter((_, i) => rights[i]))),
    meanConfidenceWrong: r3(mean(pr.filter((_, i) => !rights[i]))),
  };
}

/** The previous design's count rule on the same cases: accuracy and a calibration of P(right) on its margin. */
export function fitStatsConfidence(cases: SimCase[]): { accuracy: number; accuracyBySpeakers: Record<string, number>; confidence: { a: number; b: number }; meanConfidenceRight: number; meanConfidenceWrong: number } {
  const margins: number[] = [], rights: boolean[] = [];
  const accBy: Record<string, [number, number]> = {};
  for (const c of cases) {
    const th = statsThreshold(c.W, DEFAULT_PARAMS);
    const res = ahcAverage(c.C, c.W, { threshold: th });
    margins.push(decisionMargin(res, th, res.k).margin);
    rights.push(res.k === c.speakers);
    tally(accBy, c.speakers, res.k === c.speakers);
  }
  const cal = calibrateCount(margins, rights, accBy);
  return { accuracy: r3(mean(Object.values(cal.accuracyBySpeakers))), ...cal };
}

/** Fingerprint of the training folder (file names and sizes), written instead of a clock date. */
export function dataFingerprint(dir: string): string {
  const h = createHash("sha256");
  for (const f of readdirSync(dir).sort()) h.update(`${f}:${statSync(join(dir, f)).size}\n`);
  return h.digest("hex").slice(0, 16);
}

export { byActor, isConversational, loadClips };
