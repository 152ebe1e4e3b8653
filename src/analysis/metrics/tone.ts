/**
 * tone — each speaker's overall manner: "excited" | "angry" | "calm" | "sad" | "neutral".
 *
 * Definition (two dimensions, as in the circumplex model of affect):
 *  Arousal A (how activated the voice is), a weighted mean of z-scores of the speaker's
 *  figures against adult conversational norms:
 *    pitch level   median pitch vs 115 Hz (speakers whose median is < 165 Hz) or 205 Hz,
 *                  in semitones / 2 st                                       weight 1
 *    pitch range   median of the turns' p90−p10 pitch range, (st − 5) / 2 st  weight 1
 *    rate          articulation rate (syllable nuclei per second of phonation),
 *                  (syl/s − 5) / 0.8                                          weight 0.5
 *    loudness      active speech level, (energy dB + 26) / 6 dB               weight 0.5
 *    spectral      alpha ratio, (dB + 12) / 3 dB                              weight 0.5
 *  (loudness and spectral balance depend on gain and channel, hence the lower weights).
 *  Valence V in −1..1: with a transcript, the mean VADER compound score of the speaker's
 *  segment texts weighted by their word counts; without one, the duration-weighted mean of the
 *  valence implied by the segments' emotion posteriors
 *  (joy + ½·surprise + 0.3·calm − sadness − anger − 0.7·fear − disgust).
 *  Labels:  A ≥ 0.6 → "angry" if V ≤ −0.3 else "excited";
 *           A ≤ −0.6 → "sad" if V ≤ −0.3 else "calm";
 *           otherwise "neutral".
 *  A speaker with under 0.5 s of voiced speech is "neutral".
 *  SpeakerStats `tone` repeats the label.
 */
import type { MetricInput } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures } from "../features/segment.js";
import { joinWords, turnWords, type SpeakerMetricResult } from "../features/speaker.js";
import { posteriorValence, PRIORS } from "./emotion/model.js";
import { textValence } from "./emotion/text.js";
import { computeEmotion, type SegmentEmotion } from "./emotion.js";

export const TONES = ["excited", "angry", "calm", "sad", "neutral"] as const;
export type Tone = (typeof TONES)[number];
export const AROUSAL_HIGH = 0.6;
export const AROUSAL_LOW = -0.6;
export const VALENCE_NEGATIVE = -0.3;

export interface ToneDetail {
  tone: Tone;
  arousal: number;
  valence: number;
  valence_source: "text" | "acoustic";
}

function median(v: number[]): number {
  if (!v.length) return NaN;
  const a = [...v].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

export function toneLabel(arousal: number, valence: number): Tone {
  if (arousal >= AROUSAL_HIGH) return valence <= VALENCE_NEGATIVE ? "angry" : "excited";
  if (arousal <= AROUSAL_LOW) return valence <= VALENCE_NEGATIVE ? "sad" : "calm";
  return "neutral";
}

export function computeToneDetails(
  input: MetricInput,
  features: TurnFeatures[] = analyseTurns(input),
  emotions?: SegmentEmotion[],
): Map<string, ToneDetail> {
  const out = new Map<string, ToneDetail>();
  const perTurn = turnWords(input.turns, input.words);
  let emo = emotions;
  for (const sp of speakersOf(input.turns)) {
    const idx = features.map((f, i) => (f.speaker === sp ? i : -1)).filter((i) => i >= 0);
    const fs = idx.map((i) => features[i]!);
    const voiced = fs.reduce((s, f) => s + f.voicedFrames, 0);
    if (voiced * 0.01 < 0.5) {
      out.set(sp, { tone: "neutral", arousal: 0, valence: 0, valence_source: perTurn ? "text" : "acoustic" });
      continue;
    }
    // pitch level: voiced-frame-weighted mean of the turns' medians (semitones)
    let lv = 0;
    for (const f of fs) if (f.voicedFrames > 0) lv += f.f0Median * f.voicedFrames;
    lv /= voiced;
    const hz = 2 ** (lv / 12);
    const ref = hz < PRIORS.registerSplitHz ? PRIORS.f0MaleHz : PRIORS.f0FemaleHz;
    const zs: [number, number][] = [];
    zs.push([(lv - 12 * Math.log2(ref)) / 2, 1]);
    const range = median(fs.filter((f) => f.voicedFrames >= 25).map((f) => f.f0P90 - f.f0P10));
    if (Number.isFinite(range)) zs.push([(range - 5) / 2, 1]);
    const phon = fs.reduce((s, f) => s + f.phonationSeconds, 0);
    const syl = fs.reduce((s, f) => s + f.syllables, 0);
    if (phon > 1) zs.push([(syl / phon - 5) / 0.8, 0.5]);
    const frames = fs.reduce((s, f) => s + f.activeFrames, 0);
    const power = fs.reduce((s, f) => s + f.activePowerSum, 0);
    if (frames > 0) zs.push([(10 * Math.log10(power / frames) + 26) / 6, 0.5]);
    let aSum = 0, aN = 0;
    for (const f of fs) if (Number.isFinite(f.alphaMean)) {
      aSum += f.alphaMean * f.activeFrames;
      aN += f.activeFrames;
    }
    if (aN > 0) zs.push([(aSum / aN + 12) / 3, 0.5]);
    const wsum = zs.reduce((s, [, w]) => s + w, 0);
    const arousal = zs.reduce((s, [z, w]) => s + Math.max(-3, Math.min(3, z)) * w, 0) / wsum;

    let valence = 0;
    let source: "text" | "acoustic" = "acoustic";
    const texts = perTurn ? idx.map((i) => perTurn[i]!).filter((ws) => ws.length > 0) : [];
    if (texts.length > 0) {
      source = "text";
      const n = texts.reduce((s, ws) => s + ws.length, 0);
      valence = texts.reduce((s, ws) => s + textValence(joinWords(ws)) * ws.length, 0) / n;
    } else {
      emo ??= computeEmotion(input, features);
      let d = 0;
      for (const i of idx) {
        const p = emo[i]?.posterior;
        if (!p) continue;
        const w = features[i]!.duration;
        valence += posteriorValence(p) * w;
        d += w;
      }
      valence = d > 0 ? valence / d : 0;
    }
    out.set(sp, {
      tone: toneLabel(arousal, valence),
      arousal: Math.round(arousal * 100) / 100,
      valence: Math.round(valence * 100) / 100,
      valence_source: source,
    });
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
