/**
 * emotion — per diarized segment: `emotion` (one of neutral, calm, joy, sadness, anger, fear,
 * disgust, surprise) and `emotion_score` (0–1, the posterior probability of that label).
 *
 * Definition
 *  1. Acoustic features of the segment: median pitch and pitch range (semitones), mean active
 *     intensity (dB), alpha ratio (dB), articulation rate (syllable nuclei per second of
 *     phonation) and periodicity — see src/analysis/features.
 *  2. Each feature is expressed relative to the speaker's own baseline in this recording (mean
 *     over the speaker's segments, shrunk towards population norms with a weight of 2 segments)
 *     and scaled (emotion/model.ts).
 *  3. A nearest-prototype classifier with literature-derived prototypes (Banse & Scherer 1996;
 *     Juslin & Laukka 2003) gives a posterior over the 8 labels (emotion/model.ts).
 *  4. When the segment has text, its VADER compound valence c shifts the posterior when
 *     |c| ≥ 0.3 (positive → joy/surprise/calm, negative → sadness/anger/fear/disgust).
 *  5. Segments with less than 0.25 s of voiced speech get "neutral" with score 0.
 *
 * Labels vs RAVDESS: happy→joy, sad→sadness, angry→anger, fearful→fear, surprised→surprise;
 * neutral, calm, disgust unchanged. It is a rule-based model, not trained on emotional speech;
 * see docs/metrics.md for its measured accuracy.
 */
import type { MetricInput } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures } from "../features/segment.js";
import { joinWords, turnWords } from "../features/speaker.js";
import { applyTextValence, argmax, classify, normalise, speakerBaseline, type Emotion, type Posterior, type RawFeatures } from "./emotion/model.js";
import { textValence } from "./emotion/text.js";

export { EMOTIONS, RAVDESS_TO_EMOTION, type Emotion, type Posterior } from "./emotion/model.js";

export const MIN_VOICED_SECONDS = 0.25;

export interface SegmentEmotion {
  emotion: Emotion;
  emotion_score: number;
  /** Full posterior (not part of the DeepAffects response). */
  posterior?: Posterior;
  /** Text valence when the segment had text. */
  valence_text?: number;
}

export function rawFeatures(f: TurnFeatures): RawFeatures {
  return {
    level: f.f0Median,
    range: f.f0P90 - f.f0P10,
    loud: f.dbMean,
    alpha: f.alphaMean,
    rate: f.phonationSeconds > 0.3 ? f.syllables / f.phonationSeconds : NaN,
    period: f.voicingMean,
  };
}

export function computeEmotion(input: MetricInput, features: TurnFeatures[] = analyseTurns(input)): SegmentEmotion[] {
  const perTurn = turnWords(input.turns, input.words);
  const raw = features.map(rawFeatures);
  const usable = features.map((f) => f.voicedFrames * 0.01 >= MIN_VOICED_SECONDS);
  const baselines = new Map<string, RawFeatures>();
  for (const sp of speakersOf(input.turns)) {
    baselines.set(sp, speakerBaseline(raw.filter((_, i) => usable[i] && features[i]!.speaker === sp)));
  }
  return features.map((f, i) => {
    if (!usable[i]) return { emotion: "neutral", emotion_score: 0 };
    let post = classify(normalise(raw[i]!, baselines.get(f.speaker)!));
    const out: SegmentEmotion = { emotion: "neutral", emotion_score: 0 };
    if (perTurn && perTurn[i]!.length > 0) {
      const c = textValence(joinWords(perTurn[i]!));
      post = applyTextValence(post, c);
      out.valence_text = Math.round(c * 1000) / 1000;
    }
    const best = argmax(post);
    out.emotion = best.emotion;
    out.emotion_score = Math.round(best.score * 1000) / 1000;
    out.posterior = post;
    return out;
  });
}
