/**
 * Pluggable transcription: 16 kHz mono Float32 audio in, time-stamped words out.
 *
 * Providers (chosen by configuration, see `transcriberConfigFromEnv`):
 *  - `none`          no words (every metric still works from acoustics alone);
 *  - `pocketsphinx`  Debian's `pocketsphinx` + `pocketsphinx-en-us`, run as a child process;
 *  - `openai`        any OpenAI-compatible `POST {base}/v1/audio/transcriptions` server
 *                    (whisper.cpp server, faster-whisper servers, hosted APIs);
 *  - `auto`          pocketsphinx when its binary and en-us model are installed, else none.
 *
 * A failing provider throws `TranscriptionError`; the caller fails the transcription step of
 * the job with its message, never the process.
 */
import type { SpeechAudio, Turn, Word } from "../types.js";
import { NoneTranscriber } from "./none.js";
import { PocketsphinxTranscriber, pocketsphinxAvailable, POCKETSPHINX_DEFAULTS } from "./pocketsphinx.js";
import { OpenAITranscriber } from "./openai.js";
import { TranscriptionError } from "./errors.js";

export { TranscriptionError } from "./errors.js";
export { NoneTranscriber } from "./none.js";
export { PocketsphinxTranscriber, pocketsphinxAvailable } from "./pocketsphinx.js";
export { OpenAITranscriber, parseVerboseJson } from "./openai.js";
export { encodeWav16 } from "./wav.js";
export { assignWordsToTurns, type TurnText } from "./assign.js";

export const TRANSCRIBER_KINDS = ["none", "pocketsphinx", "openai", "auto"] as const;
export type TranscriberKind = (typeof TRANSCRIBER_KINDS)[number];

export interface TranscribeOptions {
  /** Seconds added to every word time (the audio's position in the recording). Default 0. */
  offset?: number;
  /** BCP-47 language code, e.g. "en-US". Providers that cannot honour it ignore it. */
  languageCode?: string;
  signal?: AbortSignal;
}

export interface Transcriber {
  /** Provider name: "none" | "pocketsphinx" | "openai". */
  readonly name: string;
  /** Transcribe 16 kHz mono samples in [-1, 1]. Word times are seconds (+ `offset`). */
  transcribe(audio: Float32Array, options?: TranscribeOptions): Promise<Word[]>;
}

export interface TranscriberConfig {
  kind?: TranscriberKind;
  /** openai: base URL, e.g. http://localhost:8080 (a trailing /v1 is accepted). */
  openaiBaseUrl?: string;
  openaiApiKey?: string;
  /** openai: model name (default "whisper-1"). */
  model?: string;
  /** Per-request / per-process timeout in ms (default 120000). */
  timeoutMs?: number;
  /** pocketsphinx: binary and model paths (defaults: Debian locations). */
  pocketsphinxBinary?: string;
  pocketsphinxHmm?: string;
  pocketsphinxLm?: string;
  pocketsphinxDict?: string;
}

/** Read `TRANSCRIBER`, `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `TRANSCRIBER_MODEL`, `TRANSCRIBER_TIMEOUT_MS`. */
export function transcriberConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TranscriberConfig {
  const raw = (env.TRANSCRIBER ?? "auto").trim().toLowerCase();
  if (!(TRANSCRIBER_KINDS as readonly string[]).includes(raw)) {
    throw new TranscriptionError(`TRANSCRIBER must be one of ${TRANSCRIBER_KINDS.join("|")}, got "${raw}"`);
  }
  const timeout = env.TRANSCRIBER_TIMEOUT_MS ? Number(env.TRANSCRIBER_TIMEOUT_MS) : undefined;
  return {
    kind: raw as TranscriberKind,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    model: env.TRANSCRIBER_MODEL,
    timeoutMs: timeout && Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  };
}

/** Build the configured transcriber. `auto` (the default) resolves to pocketsphinx when installed, else none. */
export function createTranscriber(config: TranscriberConfig = {}): Transcriber {
  const kind = config.kind ?? "auto";
  const psPaths = {
    binary: config.pocketsphinxBinary ?? POCKETSPHINX_DEFAULTS.binary,
    hmm: config.pocketsphinxHmm ?? POCKETSPHINX_DEFAULTS.hmm,
    lm: config.pocketsphinxLm ?? POCKETSPHINX_DEFAULTS.lm,
    dict: config.pocketsphinxDict ?? POCKETSPHINX_DEFAULTS.dict,
  };
  switch (kind) {
    case "none":
      return new NoneTranscriber();
    case "pocketsphinx":
      return new PocketsphinxTranscriber({ ...psPaths, timeoutMs: config.timeoutMs });
    case "openai":
      if (!config.openaiBaseUrl) throw new TranscriptionError("TRANSCRIBER=openai needs OPENAI_BASE_URL");
      return new OpenAITranscriber({
        baseUrl: config.openaiBaseUrl,
        apiKey: config.openaiApiKey,
        model: config.model ?? "whisper-1",
        timeoutMs: config.timeoutMs,
      });
    case "auto":
      return pocketsphinxAvailable(psPaths) ? new PocketsphinxTranscriber({ ...psPaths, timeoutMs: config.timeoutMs }) : new NoneTranscriber();
    default:
      throw new TranscriptionError(`unknown transcriber "${String(kind)}"`);
  }
}

/** Longest audio sent to a provider in one request (seconds); longer turns are cut. */
export const MAX_REQUEST_SECONDS = 120;

/**
 * Transcribe every turn (read per turn from `audio`, cut into <= 120 s pieces, so memory stays
 * bounded) and return all words in time order. Overlapping turns are each transcribed from the
 * speaker's own stream, so a word can appear once per overlapping speaker.
 */
export async function transcribeTurns(
  transcriber: Transcriber,
  audio: SpeechAudio,
  turns: Turn[],
  options: { languageCode?: string; signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<Word[]> {
  if (transcriber.name === "none") return [];
  const words: Word[] = [];
  const total = turns.reduce((s, t) => s + Math.max(0, t.end - t.start), 0) || 1;
  let done = 0;
  for (const turn of turns) {
    for (let s = turn.start; s < turn.end; s += MAX_REQUEST_SECONDS) {
      const e = Math.min(turn.end, s + MAX_REQUEST_SECONDS);
      if (e - s < 0.1) continue;
      const samples = audio.read(turn.speaker, s, e);
      const got = await transcriber.transcribe(samples, { offset: s, languageCode: options.languageCode, signal: options.signal });
      words.push(...got);
      done += e - s;
      options.onProgress?.(Math.min(1, done / total));
    }
  }
  words.sort((a, b) => a.start - b.start);
  return words;
}
