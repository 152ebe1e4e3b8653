/**
 * tone — each speaker's overall manner: "excited" | "angry" | "calm" | "sad" | "neutral".
 *
 * Definition (two dimensions, as in the circumplex model of affect, Russell 1980):
 *  Arousal A (how activated the voice is) and valence V (how pleasant), both in −1..1, from the
 *  same fitted model as `emotion`: for each segment, A = Σ_c p(c)·a(c) and V = Σ_c p(c)·v(c)
 *  over the 8-class posterior (text-adjusted when the segment has a transcript), where (a, v)
 *  are each class's circumplex coordinates stored with the model (fitted/emotion-model.json,
 *  `tone`): neutral (0, 0), calm (−0.6, 0.4), joy (0.6, 0.8), sadness (−0.6, −0.7),
 *  anger (0.8, −0.7), fear (0.7, −0.6), disgust (0.2, −0.7), surprise (0.7, 0.3).
 *  The speaker's A and V are the means over their usable segments weighted by duration.
 *  Labels:  A ≥ arousal_high → "angry" if V ≤ valence_negative else "excited";
 *           A ≤ arousal_low  → "sad"   if V ≤ valence_negative else "calm";
 *           otherwise "neutral".
 *  The three thresholds are chosen by the trainer on held-out actors (the ones in the model
 *  file maximise agreement with anger→angry, joy/surprise→excited, sadness→sad, calm→calm,
 *  neutral→neutral). A speaker with under 0.5 s of voiced speech is "neutral".
 *  SpeakerStats `tone` repeats the label.
 */
import type { MetricInput } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures } from "../features/segment.js";
import type { SpeakerMetricResult } from "../features/speaker.js";
import { EMOTIONS, emotionModel, type EmotionModelFile, type Posterior } from "./emotion/model.js";
import { computeEmotion, type SegmentEmotion } from "./emotion.js";

export const TONES = ["excited", "angry", "calm", "sad", "neutral"] as const;
export type Tone = (typeof TONES)[number];

export interface ToneDetail {
  tone: Tone;
  arousal: number;
  valence: number;
}

type ToneParams = EmotionModelFile["tone"];

export function toneLabel(arousal: number, valence: number, t: ToneParams = emotionModel().tone): Tone {
  if (arousal >= t.arousal_high) return valence <= t.valence_negative ? "angry" : "excited";
  if (arousal <= t.arousal_low) return valence <= t.valence_negative ? "sad" : "calm";
  return "neutral";
}

/** Arousal and valence implied by an 8-class posterior. */
export function arousalValence(p: Posterior, t: ToneParams = emotionModel().tone): { arousal: number; valence: number } {
  let arousal = 0, valence = 0;
  for (const e of EMOTIONS) {
    arousal += p[e] * t.arousal[e];
    valence += p[e] * t.valence[e];
  }
  return { arousal, valence };
}

export function computeToneDetails(input: MetricInput, features: TurnFeatures[] = analyseTurns(input), emotions?: SegmentEmotion[]): Map<string, ToneDetail> {
  const t = emotionModel().tone;
  const emo = emotions ?? computeEmotion(input, features);
  const out = new Map<string, ToneDetail>();
  for (const sp of speakersOf(input.turns)) {
    const idx = features.map((f, i) => (f.speaker === sp ? i : -1)).filter((i) => i >= 0);
    const voiced = idx.reduce((s, i) => s + features[i]!.voicedFrames, 0);
    let a = 0, v = 0, w = 0;
    for (const i of idx) {
      const p = emo[i]?.posterior;
      if (!p) continue;
      const d = Math.max(1e-3, features[i]!.duration);
      const av = arousalValence(p, t);
      a += av.arousal * d;
      v += av.valence * d;
      w += d;
    }
    if (voiced * 0.01 < 0.5 || w === 0) {
      out.set(sp, { tone: "neutral", arousal: 0, valence: 0 });
      continue;
    }
    a /= w;
    v /= w;
    out.set(sp, { tone: toneLabel(a, v, t), arousal: Math.round(a * 100) / 100, valence: Math.round(v * 100) / 100 });
  }
  return out;
}

export function computeTone(input: MetricInput, features: TurnFeatures[] = analyseTurns(input), emotions?: SegmentEmotion[]): SpeakerMetricResult {
  const details = computeToneDetails(input, features, emotions);
  const out: SpeakerMetricResult = { values: [], stats: {} };
  for (const [sp, d] of details) {
    out.values.push({ speaker_id: sp, value: d.tone });
    out.stats[sp] = { tone: d.tone };
  }
  return out;
}
