/**
 * The fitted acoustic emotion model (fitted/emotion-model.json, written by
 * `npm run train:emotion`, scripts/train-emotion.ts): two multinomial logistic regressions over
 * standardised features (emotion/features.ts) —
 *   "clip":    the segment's own features (no speaker baseline);
 *   "speaker": the same plus each feature relative to the speaker's mean in the recording;
 * each followed by temperature scaling fitted on held-out actors, so its probabilities are
 * calibrated (p = softmax(logits / T)). Classes are the 8 RAVDESS emotions in our names.
 *
 * Vocabulary: RAVDESS happy→joy, sad→sadness, angry→anger, fearful→fear, surprised→surprise,
 * neutral, calm, disgust unchanged. The DeepAffects vocabulary has no "calm": calm → neutral
 * (their probabilities add), giving DEEPAFFECTS_EMOTIONS.
 *
 * Licence of the fitted weights: fitted on RAVDESS (CC BY-NC-SA 4.0) — non-commercial; see the
 * README for refitting on other data.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const EMOTIONS = ["neutral", "calm", "joy", "sadness", "anger", "fear", "disgust", "surprise"] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** The labels the API returns (DeepAffects vocabulary). */
export const DEEPAFFECTS_EMOTIONS = ["joy", "sadness", "anger", "fear", "disgust", "surprise", "neutral"] as const;
export type DeepAffectsEmotion = (typeof DEEPAFFECTS_EMOTIONS)[number];

/** RAVDESS label → our 8-class label. */
export const RAVDESS_TO_EMOTION: Record<string, Emotion> = {
  neutral: "neutral",
  calm: "calm",
  happy: "joy",
  sad: "sadness",
  angry: "anger",
  fearful: "fear",
  disgust: "disgust",
  surprised: "surprise",
};

/** 8-class label → DeepAffects label (calm → neutral). */
export function toDeepAffects(e: Emotion): DeepAffectsEmotion {
  return e === "calm" ? "neutral" : e;
}

export type Posterior = Record<Emotion, number>;
export type Distribution = Record<DeepAffectsEmotion, number>;

export interface LinearModel {
  features: string[];
  /** Standardisation: z = (x − mean) / scale; NaN inputs become 0 (the training mean). */
  mean: number[];
  scale: number[];
  /** weights[c][j] for class EMOTIONS[c]. */
  weights: number[][];
  bias: number[];
  temperature: number;
  l2: number;
}

export interface EmotionModelFile {
  header: Record<string, unknown>;
  classes: Emotion[];
  clip: LinearModel;
  speaker: LinearModel;
  /** Label "neutral" when the most probable DeepAffects label has a probability below this. */
  neutral_threshold: number;
  /** Speaker mode needs at least this many usable segments and seconds of phonation. */
  speaker_min_segments: number;
  speaker_min_phonation_seconds: number;
  /** Circumplex coordinates per class (tone.ts) and tone thresholds. */
  tone: { arousal: Record<Emotion, number>; valence: Record<Emotion, number>; arousal_high: number; arousal_low: number; valence_negative: number };
  /** Stored predictions on fixed clips (tests re-run them). */
  check: { source: string; file: string; mode: "clip"; probabilities: number[] }[];
}

/** Class probabilities (order = EMOTIONS) of a feature vector. */
export function predict(m: LinearModel, x: number[]): number[] {
  const z = x.map((v, j) => (Number.isFinite(v) ? Math.max(-6, Math.min(6, (v - m.mean[j]!) / m.scale[j]!)) : 0));
  const logits = m.weights.map((w, c) => {
    let s = m.bias[c]!;
    for (let j = 0; j < z.length; j++) s += w[j]! * z[j]!;
    return s / m.temperature;
  });
  return softmax(logits);
}

export function softmax(logits: number[]): number[] {
  const mx = Math.max(...logits);
  const ex = logits.map((l) => Math.exp(l - mx));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((e) => e / sum);
}

export function toPosterior(p: number[]): Posterior {
  const out = {} as Posterior;
  EMOTIONS.forEach((e, i) => (out[e] = p[i]!));
  return out;
}

/** 8-class posterior → DeepAffects distribution (calm added to neutral). */
export function toDistribution(p: Posterior): Distribution {
  const out = {} as Distribution;
  for (const e of DEEPAFFECTS_EMOTIONS) out[e] = p[e as Emotion];
  out.neutral += p.calm;
  return out;
}

/** Label and its probability; "neutral" when no label reaches `threshold`. */
export function decide(d: Distribution, threshold: number): { emotion: DeepAffectsEmotion; score: number } {
  let best: DeepAffectsEmotion = "neutral";
  for (const e of DEEPAFFECTS_EMOTIONS) if (d[e] > d[best]) best = e;
  if (d[best] < threshold) best = "neutral";
  return { emotion: best, score: d[best] };
}

/**
 * Text adjustment (only when the segment has a transcript): VADER compound c with |c| ≥ 0.3
 * multiplies positive classes (joy ×(1+2c), surprise ×(1+c), calm ×(1+0.5c)) or negative
 * classes (sadness, anger, fear, disgust ×(1+2|c|)) and neutral ×(1−0.5|c|), then renormalises.
 * Not fitted (RAVDESS has one sentence for every emotion), so it is not calibrated either.
 */
export function applyTextValence(post: Posterior, c: number, band = 0.3): Posterior {
  if (!Number.isFinite(c) || Math.abs(c) < band) return post;
  const out = { ...post };
  const a = Math.abs(c);
  if (c > 0) {
    out.joy *= 1 + 2 * a;
    out.surprise *= 1 + a;
    out.calm *= 1 + 0.5 * a;
  } else {
    out.sadness *= 1 + 2 * a;
    out.anger *= 1 + 2 * a;
    out.fear *= 1 + 2 * a;
    out.disgust *= 1 + 2 * a;
  }
  out.neutral *= 1 - 0.5 * a;
  const sum = EMOTIONS.reduce((s, e) => s + out[e], 0);
  for (const e of EMOTIONS) out[e] /= sum;
  return out;
}

/** Where the model file is looked for: EMOTION_MODEL, else fitted/emotion-model.json in this file's folder or a parent. */
export function emotionModelPath(): string {
  const env = process.env.EMOTION_MODEL;
  if (env) return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, "fitted", "emotion-model.json");
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error("fitted/emotion-model.json not found (run `npm run train:emotion` or set EMOTION_MODEL)");
}

let cached: EmotionModelFile | undefined;

/** The committed model, loaded once. */
export function emotionModel(): EmotionModelFile {
  cached ??= parseEmotionModel(readFileSync(emotionModelPath(), "utf8"));
  return cached;
}

export function parseEmotionModel(text: string): EmotionModelFile {
  const m = JSON.parse(text) as EmotionModelFile;
  for (const part of [m.clip, m.speaker]) {
    if (!part || part.weights.length !== EMOTIONS.length || part.weights.some((w) => w.length !== part.features.length)) {
      throw new Error("emotion model file: weights do not match the classes and features");
    }
  }
  return m;
}
