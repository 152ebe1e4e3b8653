/**
 * `npm run train:emotion [-- <ravdess-dir>]` — fits fitted/emotion-model.json on RAVDESS clips
 * (default ../shared/train/ravdess: WAVs + labels.json with file, actor, emotion) and prints a
 * leave-actors-out cross-validation report.
 *
 * 1. Features: every clip is analysed by the pipeline's own code (features/segment.ts →
 *    emotion/features.ts) in four versions: as it is (16 kHz); band-limited to 8 kHz and back
 *    (the project's resampler), so the model learns features that survive telephone audio; and
 *    both again at another level (one gain per actor and version, −20..+10 dB, from a seeded
 *    generator), because the analysis' silence gates are partly absolute (−60 dBFS) and a
 *    quiet recording loses frames. Cached in .cache/ (gitignored) under the data's
 *    fingerprint; rebuilt from audio without it.
 * 2. Two multinomial logistic regressions (emotion/fit.ts): "clip" on the clip features,
 *    "speaker" on clip features + features relative to the actor's mean (all the actor's clips
 *    of the same bandwidth).
 * 3. Cross-validation: 4 folds of 4 actors (sorted actor ids, consecutive groups: 2 men and 2
 *    women each). The L2 strength is chosen from a fixed grid by out-of-fold accuracy; the
 *    temperature is fitted on the out-of-fold logits; the neutral threshold and the tone
 *    thresholds are chosen on the out-of-fold calibrated probabilities. Clip mode only: an
 *    offset subtracted from the fear and disgust logits, the smallest on a grid that keeps
 *    neutral/calm clips labelled fear or disgust at ≤ MAX_NEUTRAL_AS_DISGUST_FEAR out of fold
 *    (its cost is measured nested: chosen on 3 folds' out-of-fold logits, applied to the 4th),
 *    because that error is the one that costs users' trust and held-out speakers make it more
 *    often than cross-validation predicts; it is folded into the final model's biases.
 * 4. Final models are fitted on all actors with the chosen settings.
 * Deterministic: sorted files, no random numbers, numbers rounded in the file, fixed date.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadAudio16k, memorySpeechAudio, resample } from "../src/analysis/features/audio-io.js";
import { analyseTurn } from "../src/analysis/features/segment.js";
import { CLIP_FEATURES, clipVector, segmentMeasures, SPEAKER_FEATURES, speakerMeans, speakerVector } from "../src/analysis/metrics/emotion/features.js";
import { expectedCalibrationError, fitLogReg, fitTemperature, logitsOf } from "../src/analysis/metrics/emotion/fit.js";
import {
  DEEPAFFECTS_EMOTIONS,
  decide,
  EMOTIONS,
  predict,
  RAVDESS_TO_EMOTION,
  softmax,
  toDeepAffects,
  toDistribution,
  toPosterior,
  type EmotionModelFile,
  type LinearModel,
} from "../src/analysis/metrics/emotion/model.js";

const FIXED_DATE = "2026-12-01";
const L2_GRID = [0.01, 0.03];
const OFFSET_GRID = Array.from({ length: 9 }, (_, i) => i * 0.25);
const MAX_NEUTRAL_AS_DISGUST_FEAR = 0.1;
const NEUTRAL_GRID = Array.from({ length: 13 }, (_, i) => i * 0.05);
// Circumplex coordinates (valence, arousal in −1..1) of each class, after Russell (1980) and
// Scherer (2005): where the class sits on the two axes tone is defined by.
const AROUSAL: Record<string, number> = { neutral: 0, calm: -0.6, joy: 0.6, sadness: -0.6, anger: 0.8, fear: 0.7, disgust: 0.2, surprise: 0.7 };
const VALENCE: Record<string, number> = { neutral: 0, calm: 0.4, joy: 0.8, sadness: -0.7, anger: -0.7, fear: -0.6, disgust: -0.7, surprise: 0.3 };
/** Class → the tone it should give (fear and disgust have no tone of their own: not scored). */
const TONE_OF: Record<string, string> = { neutral: "neutral", calm: "calm", joy: "excited", surprise: "excited", anger: "angry", sadness: "sad" };
const CHECK_FILES = ["03-01-01-01-01-01-09.wav", "03-01-03-02-01-01-10.wav", "03-01-05-02-02-01-15.wav", "03-01-04-01-02-02-22.wav"];
const FIXTURES = ["test/fixtures/speech-pcm16-16k.wav", "test/fixtures/mono-two-voices.wav"];

interface Label {
  file: string;
  actor: number;
  emotion: string;
}

const r = (x: number, d = 6) => Number(x.toFixed(d));
const dir = resolve(process.argv.slice(2).find((a) => a !== "--") ?? "../shared/train/ravdess");
const labels = (JSON.parse(readFileSync(join(dir, "labels.json"), "utf8")) as Label[]).slice().sort((a, b) => (a.file < b.file ? -1 : 1));

// ---------- 1. features ----------
const hash = createHash("sha256");
for (const l of labels) hash.update(l.file).update(readFileSync(join(dir, l.file)));
const fingerprint = hash.digest("hex").slice(0, 16);
const VARIANTS = ["wide", "narrow", "wide_gain", "narrow_gain"] as const;
type Variant = (typeof VARIANTS)[number];
const cachePath = join(".cache", `emotion-features-v2-${fingerprint}.json`);
/** Deterministic gain (dB) of an actor's clips in a gain variant: a seeded LCG draw in −20..+10. */
function gainDb(actor: number, variant: number): number {
  let x = (actor * 2654435761 + variant * 40503 + 12345) >>> 0;
  for (let k = 0; k < 3; k++) x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
  return -20 + 30 * (x / 2 ** 32);
}
const scaled = (x: Float32Array, db: number) => x.map((v) => v * 10 ** (db / 20));

async function measuresOf(samples: Float32Array): Promise<number[]> {
  const audio = memorySpeechAudio(samples);
  return segmentMeasures(analyseTurn(audio, { speaker: "s", start: 0, end: audio.duration }));
}
function bandLimit8k(x: Float32Array): Float32Array {
  return resample(resample(x, 16000, 8000), 8000, 16000);
}

type Row = Record<Variant, number[]>;
let rows: Row[];
if (existsSync(cachePath)) {
  const raw = JSON.parse(readFileSync(cachePath, "utf8")) as Record<Variant, (number | null)[]>[];
  rows = raw.map((x) => Object.fromEntries(VARIANTS.map((v) => [v, x[v].map((n) => n ?? NaN)])) as Row);
  console.log(`features: ${rows.length} clips from cache ${cachePath}`);
} else {
  rows = [];
  const t0 = Date.now();
  for (const [i, l] of labels.entries()) {
    const { channels } = await loadAudio16k(join(dir, l.file));
    const x = channels[0]!;
    const n8 = bandLimit8k(x);
    rows.push({
      wide: await measuresOf(x),
      narrow: await measuresOf(n8),
      wide_gain: await measuresOf(scaled(x, gainDb(l.actor, 2))),
      narrow_gain: await measuresOf(scaled(n8, gainDb(l.actor, 3))),
    });
    if ((i + 1) % 120 === 0) console.log(`features: ${i + 1}/${labels.length} clips (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  mkdirSync(".cache", { recursive: true });
  writeFileSync(cachePath, JSON.stringify(rows));
}

const y = labels.map((l) => {
  const e = RAVDESS_TO_EMOTION[l.emotion];
  if (!e) throw new Error(`unknown emotion ${l.emotion} in ${l.file}`);
  return EMOTIONS.indexOf(e);
});
const actors = [...new Set(labels.map((l) => l.actor))].sort((a, b) => a - b);
const folds = [0, 1, 2, 3].map((k) => actors.filter((_, i) => Math.floor((i * 4) / actors.length) === k));
const foldOf = labels.map((l) => folds.findIndex((f) => f.includes(l.actor)));

// speaker-relative vectors: each actor's mean over their clips of the same bandwidth
function speakerRows(which: Variant): number[][] {
  const means = new Map<number, number[]>();
  for (const a of actors) means.set(a, speakerMeans(rows.filter((_, i) => labels[i]!.actor === a).map((x) => x[which])));
  return rows.map((x, i) => speakerVector(x[which], means.get(labels[i]!.actor)!));
}
const design = {
  clip: { features: [...CLIP_FEATURES], ...(Object.fromEntries(VARIANTS.map((v) => [v, rows.map((x) => clipVector(x[v]))])) as Record<Variant, number[][]>) },
  speaker: { features: [...SPEAKER_FEATURES], ...(Object.fromEntries(VARIANTS.map((v) => [v, speakerRows(v)])) as Record<Variant, number[][]>) },
};

// ---------- 2./3. cross-validation ----------
interface Oof {
  wide: number[][];
  narrow: number[][];
}
function crossValidate(mode: "clip" | "speaker", l2: number): Oof {
  const D = design[mode];
  const out: Oof = { wide: new Array(rows.length), narrow: new Array(rows.length) };
  for (let k = 0; k < folds.length; k++) {
    const tr = rows.map((_, i) => i).filter((i) => foldOf[i] !== k);
    const X = VARIANTS.flatMap((v) => tr.map((i) => D[v][i]!));
    const Y = VARIANTS.flatMap(() => tr.map((i) => y[i]!));
    const m = fitLogReg(D.features, X, Y, l2);
    for (let i = 0; i < rows.length; i++) if (foldOf[i] === k) {
      out.wide[i] = logitsOf(m, D.wide[i]!);
      out.narrow[i] = logitsOf(m, D.narrow[i]!);
    }
  }
  return out;
}
const argmax = (v: number[]) => v.reduce((b, x, i) => (x > v[b]! ? i : b), 0);
const accuracy = (logits: number[][]) => logits.filter((l, i) => argmax(l) === y[i]).length / logits.length;

interface ModeReport {
  l2: number;
  temperature: number;
  accuracy8: number;
  accuracy8_at_8khz: number;
  same_label_8khz_vs_16khz: number;
  accuracy_deepaffects: number;
  ece_before: number;
  ece_after: number;
  neutral_as_disgust_or_fear: number;
  confusion: number[][];
  grid: Record<string, number>;
  disgust_fear_offset?: number;
  nested_offset?: { accuracy8: number; neutral_as_disgust_or_fear_8class: number; without_offset: { accuracy8: number; neutral_as_disgust_or_fear_8class: number } };
}
const FEAR = EMOTIONS.indexOf("fear"), DISGUST = EMOTIONS.indexOf("disgust");
const neutralOrCalm = y.map((c, i) => (EMOTIONS[c] === "neutral" || EMOTIONS[c] === "calm" ? i : -1)).filter((i) => i >= 0);
const shifted = (l: number[], s: number) => l.map((v, c) => (c === FEAR || c === DISGUST ? v - s : v));
/** 8-class share of neutral/calm clips (among `idx`) whose argmax is fear or disgust. */
function neutralAsDisgustFear(logits: number[][], idx: number[]): number {
  const nc = idx.filter((i) => neutralOrCalm.includes(i));
  return nc.filter((i) => [FEAR, DISGUST].includes(argmax(logits[i]!))).length / Math.max(1, nc.length);
}
/** The smallest offset keeping neutral/calm → fear/disgust within the limit on the clips `idx`. */
function chooseOffset(logits: number[][], idx: number[]): number {
  for (const s of OFFSET_GRID) if (neutralAsDisgustFear(logits.map((l) => shifted(l, s)), idx) <= MAX_NEUTRAL_AS_DISGUST_FEAR) return s;
  return OFFSET_GRID[OFFSET_GRID.length - 1]!;
}
const chosen: Record<string, { l2: number; T: number; oof: Oof }> = {};
const report: Record<string, ModeReport> = {};
for (const mode of ["clip", "speaker"] as const) {
  let best: { l2: number; acc: number; oof: Oof } | undefined;
  const grid: Record<string, number> = {};
  for (const l2 of L2_GRID) {
    const oof = crossValidate(mode, l2);
    const acc = accuracy(oof.wide);
    grid[String(l2)] = r(acc, 4);
    console.log(`cv ${mode} l2=${l2}: 8-class accuracy ${(acc * 100).toFixed(1)}% (8 kHz: ${(accuracy(oof.narrow) * 100).toFixed(1)}%)`);
    if (!best || acc > best.acc) best = { l2, acc, oof };
  }
  let offset = 0;
  let nested: ModeReport["nested_offset"];
  if (mode === "clip") {
    const all = rows.map((_, i) => i);
    const held = (k: number) => all.filter((i) => foldOf[i] === k);
    const nestedLogits: number[][] = new Array(rows.length);
    for (let k = 0; k < folds.length; k++) {
      const s = chooseOffset(best!.oof.wide, all.filter((i) => foldOf[i] !== k));
      for (const i of held(k)) nestedLogits[i] = shifted(best!.oof.wide[i]!, s);
    }
    nested = {
      accuracy8: r(accuracy(nestedLogits), 4),
      neutral_as_disgust_or_fear_8class: r(neutralAsDisgustFear(nestedLogits, all), 4),
      without_offset: { accuracy8: r(best!.acc, 4), neutral_as_disgust_or_fear_8class: r(neutralAsDisgustFear(best!.oof.wide, all), 4) },
    };
    offset = chooseOffset(best!.oof.wide, all);
    best = { ...best!, acc: accuracy(best!.oof.wide.map((l) => shifted(l, offset))), oof: { wide: best!.oof.wide.map((l) => shifted(l, offset)), narrow: best!.oof.narrow.map((l) => shifted(l, offset)) } };
    console.log(`cv clip: fear/disgust logit offset ${offset}; nested (offset chosen on 3 folds, applied to the 4th): 8-class ${(nested.accuracy8 * 100).toFixed(1)}%, neutral/calm → fear/disgust ${(nested.neutral_as_disgust_or_fear_8class * 100).toFixed(1)}% (without offset ${(nested.without_offset.accuracy8 * 100).toFixed(1)}%, ${(nested.without_offset.neutral_as_disgust_or_fear_8class * 100).toFixed(1)}%)`);
  }
  const T = fitTemperature([...best!.oof.wide, ...best!.oof.narrow], [...y, ...y]);
  chosen[mode] = { l2: best!.l2, T, oof: best!.oof };
  const conf = (T0: number) => best!.oof.wide.map((l) => Math.max(...softmax(l.map((v) => v / T0))));
  const correct = best!.oof.wide.map((l, i) => argmax(l) === y[i]);
  const confusion = EMOTIONS.map(() => EMOTIONS.map(() => 0));
  best!.oof.wide.forEach((l, i) => confusion[y[i]!]![argmax(l)]!++);
  report[mode] = {
    l2: best!.l2,
    temperature: r(T, 4),
    accuracy8: r(best!.acc, 4),
    accuracy8_at_8khz: r(accuracy(best!.oof.narrow), 4),
    same_label_8khz_vs_16khz: r(best!.oof.wide.filter((l, i) => argmax(l) === argmax(best!.oof.narrow[i]!)).length / rows.length, 4),
    accuracy_deepaffects: 0,
    ece_before: r(expectedCalibrationError(conf(1), correct), 4),
    ece_after: r(expectedCalibrationError(conf(T), correct), 4),
    neutral_as_disgust_or_fear: 0,
    confusion,
    grid,
    ...(mode === "clip" ? { disgust_fear_offset: offset, nested_offset: nested } : {}),
  };
}

// neutral threshold: maximise out-of-fold accuracy on the DeepAffects vocabulary (both modes)
const daTruth = y.map((c) => toDeepAffects(EMOTIONS[c]!));
function daLabels(mode: string, threshold: number): string[] {
  const { oof, T } = chosen[mode]!;
  return oof.wide.map((l) => decide(toDistribution(toPosterior(softmax(l.map((v) => v / T)))), threshold).emotion);
}
let neutralThreshold = 0;
let bestDa = -1;
for (const t of NEUTRAL_GRID) {
  const acc = ["clip", "speaker"].reduce((s, m) => s + daLabels(m, t).filter((p, i) => p === daTruth[i]).length, 0);
  if (acc > bestDa) {
    bestDa = acc;
    neutralThreshold = r(t, 2);
  }
}
for (const mode of ["clip", "speaker"] as const) {
  const pred = daLabels(mode, neutralThreshold);
  report[mode]!.accuracy_deepaffects = r(pred.filter((p, i) => p === daTruth[i]).length / rows.length, 4);
  const neutralIdx = y.map((c, i) => (EMOTIONS[c] === "neutral" || EMOTIONS[c] === "calm" ? i : -1)).filter((i) => i >= 0);
  report[mode]!.neutral_as_disgust_or_fear = r(neutralIdx.filter((i) => pred[i] === "disgust" || pred[i] === "fear").length / neutralIdx.length, 4);
}

// tone thresholds: maximise out-of-fold agreement with TONE_OF (clip mode, per clip)
function toneOf(a: number, v: number, hi: number, lo: number, neg: number): string {
  if (a >= hi) return v <= neg ? "angry" : "excited";
  if (a <= lo) return v <= neg ? "sad" : "calm";
  return "neutral";
}
const av = chosen.clip!.oof.wide.map((l) => {
  const p = softmax(l.map((v) => v / chosen.clip!.T));
  return [p.reduce((s, x, c) => s + x * AROUSAL[EMOTIONS[c]!]!, 0), p.reduce((s, x, c) => s + x * VALENCE[EMOTIONS[c]!]!, 0)] as const;
});
const scored = y.map((c, i) => (TONE_OF[EMOTIONS[c]!] ? i : -1)).filter((i) => i >= 0);
let tone = { hi: 0.3, lo: -0.3, neg: -0.2, acc: -1 };
for (let hi = 0.1; hi <= 0.601; hi += 0.05) for (let lo = -0.1; lo >= -0.601; lo -= 0.05) for (let neg = 0; neg >= -0.501; neg -= 0.05) {
  const acc = scored.filter((i) => toneOf(av[i]![0], av[i]![1], hi, lo, neg) === TONE_OF[EMOTIONS[y[i]!]!]).length / scored.length;
  if (acc > tone.acc + 1e-12) tone = { hi: r(hi, 2), lo: r(lo, 2), neg: r(neg, 2), acc };
}

// ---------- 4. final fit ----------
function finalModel(mode: "clip" | "speaker"): LinearModel {
  const D = design[mode];
  const m = fitLogReg(D.features, VARIANTS.flatMap((v) => D[v]), VARIANTS.flatMap(() => y), chosen[mode]!.l2);
  return {
    features: m.features,
    mean: m.mean.map((v) => r(v)),
    scale: m.scale.map((v) => r(v)),
    weights: m.weights.map((w) => w.map((v) => r(v))),
    // the clip model's fear/disgust offset (chosen in CV) lives in its biases
    bias: m.bias.map((v, c) => r(mode === "clip" && (c === FEAR || c === DISGUST) ? v - report.clip!.disgust_fear_offset! : v)),
    temperature: r(chosen[mode]!.T, 4),
    l2: m.l2,
  };
}
const clip = finalModel("clip");
const speaker = finalModel("speaker");

const check: EmotionModelFile["check"] = [];
for (const f of CHECK_FILES) {
  const i = labels.findIndex((l) => l.file === f);
  if (i >= 0) check.push({ source: "train", file: f, mode: "clip", probabilities: predict(clip, clipVector(rows[i]!.wide)).map((p) => r(p, 4)) });
}
for (const f of FIXTURES) {
  const { channels } = await loadAudio16k(f);
  const x = channels[0]!;
  check.push({ source: "fixture", file: f, mode: "clip", probabilities: predict(clip, clipVector(await measuresOf(x))).map((p) => r(p, 4)) });
}

const model: EmotionModelFile = {
  header: {
    model: "speech emotion: multinomial logistic regression (clip and speaker-relative variants) with temperature scaling",
    data: `RAVDESS speech, ${labels.length} clips of actors ${actors[0]}-${actors[actors.length - 1]} (${dir.endsWith("ravdess") ? "../shared/train/ravdess" : "custom"}), each also band-limited to 8 kHz, and both at another level (-20..+10 dB); data fingerprint sha256:${fingerprint}`,
    date: FIXED_DATE,
    licence: "Fitted on RAVDESS (Livingstone & Russo 2018), CC BY-NC-SA 4.0: non-commercial use, share alike. Commercial users must refit on data they may use (npm run train:emotion -- <dir>).",
    source: "Zenodo record 1188976",
    command: "npm run train:emotion",
    classes_from_ravdess: RAVDESS_TO_EMOTION,
    deepaffects_vocabulary: [...DEEPAFFECTS_EMOTIONS],
    cross_validation: {
      scheme: `leave-actors-out, 4 folds: ${folds.map((f) => f.join("+")).join(" | ")}; figures on held-out actors' 16 kHz clips unless marked 8 kHz`,
      clip: report.clip,
      speaker: report.speaker,
      tone_agreement: r(tone.acc, 4),
    },
  },
  classes: [...EMOTIONS],
  clip,
  speaker,
  neutral_threshold: neutralThreshold,
  speaker_min_segments: 5,
  speaker_min_phonation_seconds: 8,
  tone: { arousal: AROUSAL as never, valence: VALENCE as never, arousal_high: tone.hi, arousal_low: tone.lo, valence_negative: tone.neg },
  check,
};
mkdirSync("fitted", { recursive: true });
writeFileSync("fitted/emotion-model.json", JSON.stringify(model, null, 1) + "\n");

// ---------- report ----------
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(`\nleave-actors-out CV (${folds.map((f) => f.join("+")).join(" | ")}), ${rows.length} clips, 8 classes (chance 12.5%)`);
for (const mode of ["clip", "speaker"] as const) {
  const m = report[mode]!;
  console.log(`\n${mode} mode: l2 ${m.l2}, temperature ${m.temperature}`);
  console.log(`  8-class accuracy ${pct(m.accuracy8)} (8 kHz band-limited: ${pct(m.accuracy8_at_8khz)}; same label 8 vs 16 kHz: ${pct(m.same_label_8khz_vs_16khz)})`);
  console.log(`  DeepAffects vocabulary (calm→neutral, neutral threshold ${neutralThreshold}): ${pct(m.accuracy_deepaffects)}`);
  console.log(`  ECE ${m.ece_before} before temperature scaling, ${m.ece_after} after`);
  console.log(`  neutral/calm clips labelled disgust or fear: ${pct(m.neutral_as_disgust_or_fear)}`);
  if (m.nested_offset) console.log(`  fear/disgust logit offset ${m.disgust_fear_offset} (nested estimate: 8-class ${pct(m.nested_offset.accuracy8)}, 8-class neutral/calm → fear/disgust ${pct(m.nested_offset.neutral_as_disgust_or_fear_8class)}; without offset ${pct(m.nested_offset.without_offset.accuracy8)}, ${pct(m.nested_offset.without_offset.neutral_as_disgust_or_fear_8class)})`);
  console.log("  truth\\pred " + EMOTIONS.map((e) => e.slice(0, 5).padStart(6)).join(""));
  m.confusion.forEach((row, i) => console.log("  " + EMOTIONS[i]!.padEnd(10) + row.map((v) => String(v).padStart(6)).join("")));
}
console.log(`\ntone thresholds: arousal ≥ ${tone.hi} high, ≤ ${tone.lo} low, valence ≤ ${tone.neg} negative (agreement ${pct(tone.acc)} on clips of neutral/calm/joy/surprise/anger/sadness)`);
console.log("wrote fitted/emotion-model.json");
