/**
 * emotion — per diarized segment: `emotion` in the DeepAffects vocabulary (joy, sadness, anger,
 * fear, disgust, surprise, neutral), `emotion_score` = the calibrated probability of that label,
 * and `emotions` = the whole distribution over the 7 labels (sums to 1).
 *
 * Definition
 *  1. Acoustic features of the segment (emotion/features.ts): eGeMAPS-style functionals of
 *     pitch, loudness variation, shimmer/HNR-like voice quality, spectral balance, MFCC 1–12 and
 *     voiced/unvoiced run lengths, all below 4 kHz and independent of recording gain.
 *  2. Mode per speaker: when the speaker has ≥ `speaker_min_segments` usable segments and
 *     ≥ `speaker_min_phonation_seconds` of phonation in the recording, the "speaker" model
 *     (features plus features relative to the speaker's mean over those segments, i.e.
 *     per-speaker normalisation); otherwise the "clip" model (the segment alone).
 *  3. The model (emotion/model.ts, fitted/emotion-model.json, fitted on RAVDESS by
 *     `npm run train:emotion`): multinomial logistic regression over 8 classes (RAVDESS's
 *     emotions) with temperature scaling fitted on held-out actors, so probabilities are
 *     calibrated. The clip model's fear and disgust biases carry an offset chosen in
     cross-validation (neutral/calm voices → fear/disgust ≤ 10 % out of fold).
     Calm → neutral (their probabilities add) gives the 7 DeepAffects labels.
 *  4. When the segment has text, its VADER compound valence c shifts the posterior when
 *     |c| ≥ 0.3 (emotion/model.ts applyTextValence; not fitted, so not calibrated).
 *  5. `emotion` is the most probable label, or "neutral" when that label's probability is
 *     below `neutral_threshold` (chosen on cross-validation by the trainer); `emotion_score`
 *     is the probability of the returned label.
 *  6. Segments with less than 0.25 s of voiced speech get "neutral" with score 0 and no
 *     distribution.
 */
import type { MetricInput } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures } from "../features/segment.js";
import { joinWords, turnWords } from "../features/speaker.js";
import { clipVector, segmentMeasures, speakerMeans, speakerVector } from "./emotion/features.js";
import {
  applyTextValence,
  decide,
  DEEPAFFECTS_EMOTIONS,
  emotionModel,
  predict,
  toDistribution,
  toPosterior,
  type DeepAffectsEmotion,
  type EmotionModelFile,
  type Posterior,
} from "./emotion/model.js";
import { textValence } from "./emotion/text.js";

export { DEEPAFFECTS_EMOTIONS, EMOTIONS, RAVDESS_TO_EMOTION, toDeepAffects, type DeepAffectsEmotion, type Emotion, type Posterior } from "./emotion/model.js";

export const MIN_VOICED_SECONDS = 0.25;

export interface EmotionScore {
  label: DeepAffectsEmotion;
  score: number;
}

export interface SegmentEmotion {
  emotion: DeepAffectsEmotion;
  emotion_score: number;
  /** The 7-label distribution (DEEPAFFECTS_EMOTIONS order), rounded to 3 decimals; absent for unusable segments. */
  emotions?: EmotionScore[];
  /** Full 8-class posterior (with calm), used by tone. */
  posterior?: Posterior;
  /** Which model judged the segment. */
  mode?: "clip" | "speaker";
  /** Text valence when the segment had text. */
  valence_text?: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function computeEmotion(input: MetricInput, features: TurnFeatures[] = analyseTurns(input), model: EmotionModelFile = emotionModel()): SegmentEmotion[] {
  const perTurn = turnWords(input.turns, input.words);
  const measures = features.map(segmentMeasures);
  const usable = features.map((f) => f.voicedFrames * 0.01 >= MIN_VOICED_SECONDS);
  const baselines = new Map<string, number[] | undefined>();
  for (const sp of speakersOf(input.turns)) {
    const idx = features.map((f, i) => (usable[i] && f.speaker === sp ? i : -1)).filter((i) => i >= 0);
    const phonation = idx.reduce((s, i) => s + features[i]!.phonationSeconds, 0);
    const enough = idx.length >= model.speaker_min_segments && phonation >= model.speaker_min_phonation_seconds;
    baselines.set(sp, enough ? speakerMeans(idx.map((i) => measures[i]!)) : undefined);
  }
  return features.map((f, i) => {
    if (!usable[i]) return { emotion: "neutral", emotion_score: 0 };
    const base = baselines.get(f.speaker);
    const p = base ? predict(model.speaker, speakerVector(measures[i]!, base)) : predict(model.clip, clipVector(measures[i]!));
    let post = toPosterior(p);
    const out: SegmentEmotion = { emotion: "neutral", emotion_score: 0, mode: base ? "speaker" : "clip" };
    if (perTurn && perTurn[i]!.length > 0) {
      const c = textValence(joinWords(perTurn[i]!));
      post = applyTextValence(post, c);
      out.valence_text = r3(c);
    }
    const dist = toDistribution(post);
    const best = decide(dist, model.neutral_threshold);
    out.emotion = best.emotion;
    out.emotion_score = r3(best.score);
    out.emotions = DEEPAFFECTS_EMOTIONS.map((label) => ({ label, score: r3(dist[label]) }));
    out.posterior = post;
    return out;
  });
}
