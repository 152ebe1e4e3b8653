/**
 * The affect metrics in one call: per-segment emotion, and per-speaker energy, pace,
 * questions_asked and tone, plus silence. Audio is analysed once (one pass per turn, read
 * through `input.audio.read`, ≤ 30 s at a time) and the summaries are shared by every metric.
 * Only the requested metrics are computed; unrequested ones are absent from the result.
 * `silence` is not a DeepAffects metric and is always returned (it costs nothing).
 */
import type { MetricInput, MetricName, SpeakerStatsEntry, SpeakerValueEntry } from "../types.js";
import { analyseTurn, overlapsOf, type TurnFeatures } from "../features/segment.js";
import { computeEnergy } from "./energy.js";
import { computePace } from "./pace.js";
import { computeQuestions } from "./questions.js";
import { computeTone } from "./tone.js";
import { computeEmotion, type DeepAffectsEmotion, type EmotionScore, type SegmentEmotion } from "./emotion.js";
import { computeSilence, type SilenceResult } from "./silence.js";

export interface AffectSegment {
  emotion?: DeepAffectsEmotion;
  emotion_score?: number;
  emotions?: EmotionScore[];
}

export interface AffectResult {
  /** One entry per `input.turns` element, same order. Empty objects when emotion was not requested. */
  segments: AffectSegment[];
  energy?: SpeakerValueEntry[];
  pace?: SpeakerValueEntry[];
  questions_asked?: SpeakerValueEntry[];
  tone?: SpeakerValueEntry[];
  /** SpeakerStats fields produced by these metrics, keyed by speaker id. */
  stats: Record<string, Partial<SpeakerStatsEntry>>;
  silence: SilenceResult;
}

export const AFFECT_METRICS: readonly MetricName[] = ["emotion", "energy", "pace", "questions_asked", "tone"];

export interface AffectOptions {
  /** Called with the fraction of turns analysed (0..1). */
  onProgress?: (fraction: number) => void;
}

export async function computeAffect(input: MetricInput, metrics: readonly MetricName[], options: AffectOptions = {}): Promise<AffectResult> {
  const want = new Set(metrics);
  const result: AffectResult = { segments: input.turns.map(() => ({})), stats: {}, silence: computeSilence(input) };
  const needsAudio = AFFECT_METRICS.some((m) => want.has(m));
  if (!needsAudio) return result;

  const features: TurnFeatures[] = [];
  const total = input.turns.reduce((s, t) => s + Math.max(0, t.end - t.start), 0) || 1;
  let done = 0;
  let lastYield = Date.now();
  for (let i = 0; i < input.turns.length; i++) {
    const t = input.turns[i]!;
    features.push(analyseTurn(input.audio, t, i, overlapsOf(input.turns, i)));
    done += Math.max(0, t.end - t.start);
    options.onProgress?.(Math.min(1, done / total));
    if (Date.now() - lastYield > 50) {
      // let the event loop breathe on long recordings
      await new Promise<void>((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  const merge = (stats: Record<string, Partial<SpeakerStatsEntry>>) => {
    for (const [sp, s] of Object.entries(stats)) result.stats[sp] = { ...result.stats[sp], ...s };
  };
  let emotions: SegmentEmotion[] | undefined;
  if (want.has("emotion") || want.has("tone")) emotions = computeEmotion(input, features);
  if (want.has("emotion") && emotions) {
    result.segments = emotions.map((e) => ({ emotion: e.emotion, emotion_score: e.emotion_score, ...(e.emotions ? { emotions: e.emotions } : {}) }));
  }
  if (want.has("energy")) {
    const r = computeEnergy(input, features);
    result.energy = r.values;
    merge(r.stats);
  }
  if (want.has("pace")) {
    const r = computePace(input, features);
    result.pace = r.values;
    merge(r.stats);
  }
  if (want.has("questions_asked")) {
    const r = computeQuestions(input, features);
    result.questions_asked = r.values;
    merge(r.stats);
  }
  if (want.has("tone")) {
    const r = computeTone(input, features, emotions);
    result.tone = r.values;
    merge(r.stats);
  }
  return result;
}
