/**
 * What a worker does with one queued job: load it, mark it RUNNING, get the audio, run the
 * analysis off the event loop while streaming progress, and post the outcome to the
 * completion door. Throwing lets the queue retry the job (delivery failures only:
 * analysis failures are outcomes and are delivered as `{error}`).
 */
import { describeContainer, parseFlacStreamInfo, resolveEncoding, sniffContainer, walkMp3, walkOgg } from "../analysis/audio/containers.js";
import { openAudioFile } from "../analysis/audio/file-stream.js";
import { parseWavHeader } from "../analysis/audio/wav.js";
import type { AudioSource } from "../analysis/pipeline.js";
import type { AnalysisOptions } from "../analysis/types.js";
import { JobErrorType } from "../errors/codes.js";
import type { OutboundPolicy } from "../http/outbound.js";
import type { JobService } from "../jobs/service.js";
import { isFinal, type GiveUpHandler, type JobError, type JobHandler, type JobStore, type StoredAudio } from "../jobs/types.js";
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
  /** Longest audio analysed; longer ends the job as FAILED (audio_too_long). Default: no limit. */
  maxAudioSeconds?: number;
  /** Largest decoded PCM (samples × channels × 4 bytes); default: no limit. */
  maxDecodedAudioBytes?: number;
  /** SSRF rules for audio `url` downloads; default: public addresses only. */
  outbound?: OutboundPolicy;
  outboundTimeoutMs?: number;
}

/** Audio over the duration or decoded-size limit. */
export class AudioTooLongError extends Error {
  override readonly name = "AudioTooLongError";
}

/**
 * Duration and channel count read from the container (or the byte count of raw audio),
 * without decoding. Undefined when the header cannot tell: the decoder then reports the
 * problem in its own words.
 */
export function probeAudio(audio: Buffer, options: AnalysisOptions): { seconds: number; channels: number; rate: number } | undefined {
  try {
    // what the bytes are, as the decoder will see them (a mislabelled file must not dodge the limits)
    switch (resolveEncoding(audio, options.encoding)) {
      case "LINEAR16":
        return { seconds: audio.length / 2 / options.sampleRate, channels: 1, rate: options.sampleRate };
      case "MULAW":
      case "ALAW":
        return { seconds: audio.length / options.sampleRate, channels: 1, rate: options.sampleRate };
      case "WAV": {
        const w = parseWavHeader(audio);
        if (!w.sampleRate || !w.blockAlign) return undefined;
        return { seconds: w.dataLength / w.blockAlign / w.sampleRate, channels: w.channels, rate: w.sampleRate };
      }
      case "FLAC": {
        const f = parseFlacStreamInfo(audio);
        return f.totalSamples ? { seconds: f.totalSamples / f.sampleRate, channels: f.channels, rate: f.sampleRate } : undefined;
      }
      case "MP3": {
        const m = walkMp3(audio);
        return { seconds: m.samples / m.sampleRate, channels: 2, rate: m.sampleRate };
      }
      case "OGG_OPUS":
      case "OGG_VORBIS": {
        const kind = sniffContainer(audio);
        const o = walkOgg(audio, describeContainer(kind));
        // Opus granules count 48 kHz samples; Vorbis ones count samples at the stream rate,
        // which the identification header carries 12 bytes after "\x01vorbis" begins.
        let rate = 48000;
        if (kind === "ogg-vorbis") {
          const at = audio.indexOf("\x01vorbis", 0, "latin1");
          if (at < 0 || at + 16 > audio.length) return undefined;
          rate = audio.readUInt32LE(at + 12);
          if (!rate) return undefined;
        }
        return { seconds: o.lastGranule / rate, channels: 2, rate };
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** probeAudio for a file: its header only for WAV and raw audio (compressed files are read whole, as the analysis does). */
export async function probeAudioFile(path: string, options: AnalysisOptions): Promise<{ seconds: number; channels: number; rate: number } | undefined> {
  try {
    const s = await openAudioFile(path, { encoding: options.encoding, sampleRate: options.sampleRate });
    s.close();
    return s.durationHint === undefined ? undefined : { seconds: s.durationHint, channels: s.channelCount, rate: s.sampleRate };
  } catch {
    return undefined; // the analysis reports the problem in its own words
  }
}

async function checkAudioLimits(audio: AudioSource, options: AnalysisOptions, deps: ProcessorDeps) {
  const p = "data" in audio ? probeAudio(audio.data, options) : await probeAudioFile(audio.path, options);
  if (!p) return;
  const minutes = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
  if (deps.maxAudioSeconds && p.seconds > deps.maxAudioSeconds) {
    throw new AudioTooLongError(`audio is ${minutes(p.seconds)} long, over the limit of ${minutes(deps.maxAudioSeconds)}`);
  }
  const decoded = p.seconds * p.rate * p.channels * 4;
  if (deps.maxDecodedAudioBytes && decoded > deps.maxDecodedAudioBytes) {
    throw new AudioTooLongError(
      `audio decodes to ${Math.round(decoded / 2 ** 20)} MiB (${minutes(p.seconds)}, ${p.channels} channel(s) at ${p.rate} Hz), over the limit of ${Math.round(deps.maxDecodedAudioBytes / 2 ** 20)} MiB`,
    );
  }
}

const PROGRESS_INTERVAL_MS = 250;

/** AnalysisFailure kinds whose message we wrote for users. */
const OUR_FAILURES = new Set(["MissingAudio", "ThreadExit"]);

function failureOf(err: unknown): JobError {
  if (err instanceof AudioFetchError) return { type: JobErrorType.AUDIO_FETCH, message: err.message };
  if (err instanceof AudioTooLongError) return { type: JobErrorType.AUDIO_TOO_LONG, message: err.message };
  if (err instanceof AnalysisFailure) {
    if (err.kind === "AudioDecodeError") return { type: JobErrorType.AUDIO_DECODE, message: err.message };
    if (err.kind === "TranscriptionError") return { type: JobErrorType.TRANSCRIPTION, message: err.message };
    // our own words only; a TypeError's text ("Cannot read properties of undefined") is logged, not sent
    const ours = OUR_FAILURES.has(err.kind);
    return { type: JobErrorType.ANALYSIS, message: ours ? err.message : "the analysis failed unexpectedly on this audio" };
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
    let stored: StoredAudio | undefined;
    try {
      let audio: AudioSource;
      if (job.source.kind === "url") {
        audio = { data: await fetchAudio(job.source.url, { maxBytes: deps.maxAudioBytes, timeoutMs: deps.outboundTimeoutMs ?? 60_000, policy: deps.outbound }) };
      } else {
        // stored content or an upload: a file where the store keeps one, read chunk by chunk
        stored = await deps.store.openAudio(requestId);
        if (!stored) throw new AnalysisFailure("MissingAudio", "the submitted audio is no longer stored (expired)");
        audio = "path" in stored ? { path: stored.path } : { data: stored.data };
      }
      await checkAudioLimits(audio, job.options, deps);
      let lastSent = 0;
      const response = await runAnalysisInThread(audio, job.options, (stage, fraction) => {
        const now = Date.now();
        if (now - lastSent < PROGRESS_INTERVAL_MS && fraction < 1) return;
        lastSent = now;
        void deps.jobs.progress(requestId, { progress: Math.min(0.99, Math.max(0, fraction)), stage }).catch(() => undefined);
      });
      body = { request_id: requestId, response };
    } catch (err) {
      const expected = err instanceof AudioFetchError || err instanceof AudioTooLongError || (err instanceof AnalysisFailure && (err.kind === "AudioDecodeError" || err.kind === "TranscriptionError" || OUR_FAILURES.has(err.kind)));
      if (!expected) log.error({ err }, "analysis crashed");
      body = { request_id: requestId, error: failureOf(err) };
      log.info({ error: body.error }, "analysis failed");
    } finally {
      await stored?.release().catch(() => undefined);
    }
    await deliverCompletion({ url: deps.completionUrl(), secret: deps.webhookSecret }, body);
  };
}

/**
 * When the queue gives up on a job (every attempt failed, or its workers kept crashing), the
 * job is ended as FAILED through the completion door, so nobody waits for it forever.
 */
export function createGiveUpHandler(deps: Pick<ProcessorDeps, "store" | "log" | "completionUrl" | "webhookSecret">): GiveUpHandler {
  return async (requestId, reason) => {
    const job = await deps.store.get(requestId);
    if (!job || isFinal(job.status)) return;
    deps.log.error({ requestId, reason }, "queue gave up on job");
    await deliverCompletion(
      { url: deps.completionUrl(), secret: deps.webhookSecret },
      { request_id: requestId, error: { type: JobErrorType.INTERNAL, message: "the analysis could not be completed; submit it again" } },
    );
  };
}
