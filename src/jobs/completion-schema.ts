/** Shape of the DeepAffects callback body `{request_id, response}` or `{request_id, error}`. */
import { z } from "zod";
import { REQUEST_ID_PATTERN } from "./validate.js";

const seconds = z.number().finite().nonnegative();
const speakerValue = z.object({ speaker_id: z.string(), value: z.union([z.string(), z.number().finite()]) });

export const DeepAffectsResponseSchema = z
  .object({
    num_speakers: z.number().int().nonnegative(),
    num_speakers_confidence: z.number().finite().min(0).max(1).optional(),
    num_speakers_runner_up: z.number().int().nonnegative().optional(),
    total_speech_duration: seconds,
    segments: z.array(
      z.object({
        speaker_id: z.string(),
        start: seconds,
        end: seconds,
        speaker_confidence: z.number().finite().min(0).max(1).optional(),
        text: z.string().optional(),
        confidence: z.number().finite().optional(),
        emotion: z.string().optional(),
        emotion_score: z.number().finite().min(0).max(1).optional(),
        emotions: z.array(z.object({ label: z.string(), score: z.number().finite().min(0).max(1) })).optional(),
      }),
    ),
    energy: z.array(speakerValue).optional(),
    pace: z.array(speakerValue).optional(),
    questions_asked: z.array(speakerValue).optional(),
    tone: z.array(speakerValue).optional(),
    talk_to_listen_ratio: z.array(speakerValue).optional(),
    interruptions: z
      .array(z.object({ start: seconds, end: seconds, speaker_id: z.string().optional(), interrupted_speaker_id: z.string().optional() }))
      .optional(),
    // Our extension; a plain DeepAffects backend does not send it.
    speakers: z.array(z.object({ speaker_id: z.string(), talk_seconds: seconds, turns: z.number().int().nonnegative() }).passthrough()).default([]),
  })
  .passthrough();

const SuccessBody = z.object({ request_id: z.string().regex(REQUEST_ID_PATTERN), response: DeepAffectsResponseSchema }).strict();
const FailureBody = z
  .object({
    request_id: z.string().regex(REQUEST_ID_PATTERN),
    error: z.object({ type: z.string().max(100).default("analysis_error"), message: z.string().max(2000) }),
  })
  .strict();
export type CompletionBody = z.infer<typeof SuccessBody> | z.infer<typeof FailureBody>;

/** Parses a callback body; the message names the first bad field (e.g. "response.num_speakers: ..."). */
export function parseCompletionBody(body: unknown): { ok: true; body: CompletionBody } | { ok: false; message: string } {
  const o = (body ?? {}) as Record<string, unknown>;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, message: "body: must be a JSON object" };
  if (("response" in o) === ("error" in o)) return { ok: false, message: "body: must carry exactly one of response and error" };
  const parsed = ("response" in o ? SuccessBody : FailureBody).safeParse(body);
  if (parsed.success) return { ok: true, body: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `${issue.path.join(".") || "body"}: ${issue.message}` };
}
