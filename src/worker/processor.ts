/**
 * What a worker does with one queued job: load it, mark it RUNNING, get the audio, run the
 * analysis off the event loop while streaming progress, and post the outcome to the
 * completion door. Throwing lets the queue retry the job (delivery failures only:
 * analysis failures are outcomes and are delivered as `{error}`).
 */
import { JobErrorType } from "../errors/codes.js";
import type { JobService } from "../jobs/service.js";
import { isFinal, type JobError, type JobHandler, type JobStore } from "../jobs/types.js";
import type { Logger } from "../logger.js";
import { deliverCompletion, type CompletionBody } from "./deliver-completion.js";
import { AudioFetchError, fetchAudio } from "./fetch-audio.js";
import { AnalysisFailure, runAnalysisInThread } from "./run-in-thread.js";

export interface ProcessorDeps {
  store: JobStore;
  jobs: JobService;
  log: Logger;
  /** Completion door URL, e.g. http://127.0.0.1:4000/webhooks/analysis. */
  completionUrl: () => string;
  webhookSecret: string;
  maxAudioBytes: number;
}

const PROGRESS_INTERVAL_MS = 250;

function failureOf(err: unknown): JobError {
  if (err instanceof AudioFetchError) return { type: JobErrorType.AUDIO_FETCH, message: err.message };
  if (err instanceof AnalysisFailure) {
    const type =
      err.kind === "AudioDecodeError"
        ? JobErrorType.AUDIO_DECODE
        : err.kind === "TranscriptionError"
          ? JobErrorType.TRANSCRIPTION
          : JobErrorType.ANALYSIS;
    return { type, message: err.message };
  }
  return { type: JobErrorType.INTERNAL, message: "analysis failed unexpectedly" };
}

export function createJobProcessor(deps: ProcessorDeps): JobHandler {
  return async (requestId, attempt) => {
    const job = await deps.store.get(requestId);
    if (!job || isFinal(job.status)) return;
    const log = deps.log.child({ requestId, attempt });
    await deps.jobs.progress(requestId, { status: "RUNNING", progress: 0, stage: "fetch", startedAt: new Date().toISOString() });

    let body: CompletionBody;
    try {
      const audio =
        job.source.kind === "content"
          ? await deps.store.getAudio(requestId)
          : await fetchAudio(job.source.url, { maxBytes: deps.maxAudioBytes, timeoutMs: 60_000 });
      if (!audio) throw new AnalysisFailure("MissingAudio", "the submitted audio is no longer stored (expired)");
      let lastSent = 0;
      const response = await runAnalysisInThread(audio, job.options, (stage, fraction) => {
        const now = Date.now();
        if (now - lastSent < PROGRESS_INTERVAL_MS && fraction < 1) return;
        lastSent = now;
        void deps.jobs.progress(requestId, { progress: Math.min(0.99, Math.max(0, fraction)), stage }).catch(() => undefined);
      });
      body = { request_id: requestId, response };
    } catch (err) {
      if (!(err instanceof AnalysisFailure || err instanceof AudioFetchError)) log.error({ err }, "analysis crashed");
      body = { request_id: requestId, error: failureOf(err) };
      log.info({ error: body.error }, "analysis failed");
    }
    await deliverCompletion({ url: deps.completionUrl(), secret: deps.webhookSecret }, body);
  };
}
