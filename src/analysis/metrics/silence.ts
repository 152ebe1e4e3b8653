/**
 * silence — non-talk time: stretches of the recording in which no speaker is talking.
 *
 * Definition
 *  - Talk = the union of all diarized turns (any speaker). When there are no turns, the VAD
 *    speech regions are used instead.
 *  - `total_seconds`: recording duration − talk time (leading and trailing silence included).
 *  - `ratio`: total_seconds / duration (0 for an empty recording).
 *  - `instances`: every gap without talk lasting at least `SILENCE_MIN_SECONDS` = 3 s
 *    (leading and trailing gaps included), as {start, end, duration}. Shorter gaps are normal
 *    turn-taking and pauses; Google CCAI reports silences above 5 s, AWS reports all non-talk
 *    time — we report the total and the instances ≥ 3 s, and the threshold is a parameter.
 */
import type { MetricInput } from "../types.js";

export const SILENCE_MIN_SECONDS = 3;

export interface SilenceResult {
  total_seconds: number;
  ratio: number;
  threshold_seconds: number;
  instances: { start: number; end: number; duration: number }[];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function computeSilence(input: MetricInput, minSeconds = SILENCE_MIN_SECONDS): SilenceResult {
  const duration = input.audio.duration;
  const spans = (input.turns.length > 0 ? input.turns : input.speech)
    .map((t) => [Math.max(0, t.start), Math.min(duration, t.end)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const gaps: [number, number][] = [];
  let cursor = 0;
  for (const [s, e] of spans) {
    if (s > cursor) gaps.push([cursor, s]);
    cursor = Math.max(cursor, e);
  }
  if (duration > cursor) gaps.push([cursor, duration]);
  const total = gaps.reduce((acc, [s, e]) => acc + (e - s), 0);
  return {
    total_seconds: r3(total),
    ratio: duration > 0 ? r3(total / duration) : 0,
    threshold_seconds: minSeconds,
    instances: gaps.filter(([s, e]) => e - s >= minSeconds).map(([s, e]) => ({ start: r3(s), end: r3(e), duration: r3(e - s) })),
  };
}
