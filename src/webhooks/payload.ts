/**
 * The DeepAffects callback a client receives: `{request_id, response}` or
 * `{request_id, error: {type, message}}`. The response is projected field by field onto the
 * DeepAffects names, so what clients get is exactly the documented shape and nothing that
 * is ours leaks in by accident when the stored result grows.
 *
 * Our extensions: `interruptions[].speaker_id / interrupted_speaker_id` (who cut off whom),
 * `num_speakers_confidence`, `num_speakers_runner_up` and `segments[].speaker_confidence`
 * (docs/diarization.md) are sent; the per-speaker `speakers` statistics and segment `confidence` are not (they are
 * served by GraphQL: `analysis { result { speakers { ... } } }`).
 */
import type { DeepAffectsResponse } from "../analysis/types.js";
import { isFinal, type JobRecord } from "../jobs/types.js";

export type DeepAffectsCallback =
  | { request_id: string; response: Record<string, unknown> }
  | { request_id: string; error: { type: string; message: string } };

const values = (list?: { speaker_id: string; value: string | number }[]) => list?.map((v) => ({ speaker_id: v.speaker_id, value: v.value }));

/** The stored response, reduced to the DeepAffects field names (absent metrics stay absent). */
export function toDeepAffectsResponse(r: DeepAffectsResponse): Record<string, unknown> {
  const out: Record<string, unknown> = {
    num_speakers: r.num_speakers,
    ...(r.num_speakers_confidence !== undefined ? { num_speakers_confidence: r.num_speakers_confidence } : {}),
    ...(r.num_speakers_runner_up !== undefined ? { num_speakers_runner_up: r.num_speakers_runner_up } : {}),
    total_speech_duration: r.total_speech_duration,
    segments: r.segments.map((s) => ({
      speaker_id: s.speaker_id,
      start: s.start,
      end: s.end,
      ...(s.speaker_confidence !== undefined ? { speaker_confidence: s.speaker_confidence } : {}),
      ...(s.text !== undefined ? { text: s.text } : {}),
      ...(s.emotion !== undefined ? { emotion: s.emotion } : {}),
      ...(s.emotion_score !== undefined ? { emotion_score: s.emotion_score } : {}),
      // our one extension on segments: the whole emotion distribution
      ...(s.emotions !== undefined ? { emotions: s.emotions } : {}),
    })),
  };
  const lists = { energy: r.energy, pace: r.pace, questions_asked: r.questions_asked, tone: r.tone, talk_to_listen_ratio: r.talk_to_listen_ratio };
  for (const [name, list] of Object.entries(lists)) if (list) out[name] = values(list);
  if (r.interruptions) {
    out.interruptions = r.interruptions.map((i) => ({
      start: i.start,
      end: i.end,
      ...(i.speaker_id !== undefined ? { speaker_id: i.speaker_id } : {}),
      ...(i.interrupted_speaker_id !== undefined ? { interrupted_speaker_id: i.interrupted_speaker_id } : {}),
    }));
  }
  return out;
}

/** The callback body of a final job. */
export function callbackBody(job: JobRecord): DeepAffectsCallback {
  if (!isFinal(job.status)) throw new Error(`job ${job.requestId} is not final`);
  if (job.status === "COMPLETED" && job.result) return { request_id: job.requestId, response: toDeepAffectsResponse(job.result) };
  return { request_id: job.requestId, error: job.error ?? { type: "internal_error", message: "analysis failed" } };
}
