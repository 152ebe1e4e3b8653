/**
 * Validation of a submission, shared by GraphQL and the REST contract. Plain logic: it
 * throws UserInputError naming the field; the API layers map that to their error format.
 */
import { createHash } from "node:crypto";
import { AUDIO_ENCODINGS, METRIC_NAMES, type AnalysisOptions, type AudioEncoding, type MetricName } from "../analysis/types.js";
import { ErrorCode, UserInputError } from "../errors/codes.js";

/** A submission as either API receives it (camelCase), before validation. */
export interface SubmissionInput {
  content?: string | null;
  url?: string | null;
  /** An upload (POST /v1/uploads) of the same API key. */
  uploadId?: string | null;
  encoding?: string | null;
  /** A number, or (REST: DeepAffects' SDK sends one) a string of digits. */
  sampleRate?: number | string | null;
  languageCode?: string | null;
  metrics?: string[] | null;
  speakers?: number | null;
  separateSpeakerPerChannel?: boolean | null;
  requestId?: string | null;
  webhook?: string | null;
}

export interface ValidSubmission {
  options: AnalysisOptions;
  audio?: Buffer;
  url?: string;
  uploadId?: string;
  webhook?: string;
  requestId?: string;
  inputHash: string;
}

export const UPLOAD_ID_PATTERN = /^upl_[0-9a-f]{32}$/;
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const LANGUAGE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

function bad(field: string, message: string): never {
  throw new UserInputError(`${field}: ${message}`, field);
}

/** Decodes strict base64 (a data: URI prefix and whitespace are tolerated). */
export function decodeBase64Audio(content: string, maxBytes: number): Buffer {
  let s = content.trim();
  const dataUri = /^data:[^,]*;base64,/.exec(s);
  if (dataUri) s = s.slice(dataUri[0].length);
  s = s.replace(/\s+/g, "");
  if (s.length === 0) bad("content", "is empty");
  if (s.length % 4 !== 0 || !BASE64.test(s)) bad("content", "is not valid base64");
  const size = (s.length / 4) * 3 - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0);
  if (size > maxBytes) {
    throw new UserInputError(
      `content: audio is ${size} bytes, larger than the limit of ${maxBytes} bytes`,
      "content",
      ErrorCode.PAYLOAD_TOO_LARGE,
    );
  }
  return Buffer.from(s, "base64");
}

function parseHttpUrl(field: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    bad(field, "is not a valid URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") bad(field, "must be an http or https URL");
  if (u.username || u.password) bad(field, "must not carry credentials");
  return u.toString();
}

/**
 * Encoding names as clients send them, compacted (lower case, no spaces, dashes, dots,
 * underscores or slashes) → ours. DeepAffects' SDK names the format after MediaInfo
 * ("Wave", "MPEG Audio", "FLAC", "Ogg"); others use codec names or MIME types. For
 * containers the name is only a hint (the decoder recognises the bytes), so "Ogg" may be
 * Opus or Vorbis. Raw encodings must be named: headerless bytes cannot be recognised.
 */
const ENCODING_ALIASES: Record<string, AudioEncoding> = Object.fromEntries(
  (
    [
      ["WAV", ["wav", "wave", "waveaudio", "riff", "rf64", "audiowav", "audiowave", "audioxwav", "audiovndwave"]],
      ["MP3", ["mp3", "mpegaudio", "mpeg", "mpga", "mpeg1audiolayer3", "mpeglayer3", "audiompeg", "audiomp3", "audiompeg3"]],
      ["FLAC", ["flac", "audioflac", "audioxflac"]],
      ["OGG_OPUS", ["oggopus", "opus", "audioopus"]],
      ["OGG_VORBIS", ["oggvorbis", "vorbis", "ogg", "oga", "audioogg", "audiovorbis"]],
      ["LINEAR16", ["linear16", "pcm", "l16", "s16le", "pcms16le", "pcm16", "lpcm", "raw", "audiol16"]],
      ["MULAW", ["mulaw", "ulaw", "µlaw", "μlaw", "pcmmulaw", "g711ulaw", "g711mulaw", "g711u", "pcmu", "audiobasic", "audiopcmu"]],
      ["ALAW", ["alaw", "pcmalaw", "g711alaw", "g711a", "pcma", "audiopcma"]],
    ] as const
  ).flatMap(([enc, names]) => names.map((n) => [n, enc])),
);

/** Our encoding for a client's name of it (any case and punctuation), or undefined. */
export function normaliseEncoding(name: string): AudioEncoding | undefined {
  const compact = name.trim().toLowerCase().replace(/[\s_\-./]+/g, "");
  return ENCODING_ALIASES[compact];
}

/** A sample rate given as a number or a string of digits ("8000"); anything else is refused. */
function parseSampleRate(value: unknown): number {
  if (typeof value === "string" && /^\s*\d+(\.0*)?\s*$/.test(value)) return Number(value);
  if (typeof value !== "number" || !Number.isInteger(value)) bad("sampleRate", "is required and must be an integer");
  return value;
}

/** Expands and normalises the requested metrics ("ALL" or DeepAffects names, any case). */
export function normaliseMetrics(metrics: string[] | null | undefined): MetricName[] {
  if (!metrics || metrics.length === 0) return [...METRIC_NAMES];
  const out = new Set<MetricName>();
  for (const m of metrics) {
    const name = String(m).toLowerCase();
    if (name === "all") METRIC_NAMES.forEach((n) => out.add(n));
    else if ((METRIC_NAMES as readonly string[]).includes(name)) out.add(name as MetricName);
    else bad("metrics", `unknown metric "${m}"; expected one of all, ${METRIC_NAMES.join(", ")}`);
  }
  return METRIC_NAMES.filter((n) => out.has(n));
}

export function validateSubmission(input: SubmissionInput, limits: { maxAudioBytes: number }): ValidSubmission {
  const hasContent = input.content !== undefined && input.content !== null;
  const hasUrl = input.url !== undefined && input.url !== null && input.url !== "";
  const hasUpload = input.uploadId !== undefined && input.uploadId !== null && input.uploadId !== "";
  const sources = [hasContent && "content", hasUrl && "url", hasUpload && "uploadId"].filter(Boolean);
  if (sources.length > 1) bad(sources[0] as string, `give exactly one of content, url and uploadId, ${sources.length === 2 ? `not both ${sources.join(" and ")}` : "not all three"}`);
  if (sources.length === 0) bad("content", "give exactly one of content (base64 audio), url and uploadId (from POST /v1/uploads)");
  if (hasUpload && !UPLOAD_ID_PATTERN.test(input.uploadId!)) bad("uploadId", "is not an upload id returned by POST /v1/uploads");

  const name = String(input.encoding ?? "");
  if (!name.trim()) bad("encoding", `is required; one of ${AUDIO_ENCODINGS.join(", ")}`);
  const encoding = normaliseEncoding(name);
  if (!encoding) bad("encoding", `unsupported encoding "${input.encoding}"; expected one of ${AUDIO_ENCODINGS.join(", ")} (or a common name of one, e.g. Wave, MPEG Audio, Ogg, Opus, pcm, u-law)`);
  const sampleRate = parseSampleRate(input.sampleRate);
  if (sampleRate < 8000 || sampleRate > 48000) bad("sampleRate", `must be between 8000 and 48000 Hz, got ${sampleRate}`);
  const speakers = input.speakers ?? -1;
  if (!Number.isInteger(speakers) || !(speakers === -1 || (speakers >= 1 && speakers <= 20))) {
    bad("speakers", `must be -1 (detect) or an integer from 1 to 20, got ${speakers}`);
  }
  const languageCode = input.languageCode ?? "en-US";
  if (!LANGUAGE.test(languageCode)) bad("languageCode", `"${languageCode}" is not a BCP-47 language code like en-US`);
  const metrics = normaliseMetrics(input.metrics);
  if (input.requestId !== undefined && input.requestId !== null && !REQUEST_ID_PATTERN.test(input.requestId)) {
    bad("requestId", "must be 1-128 characters of letters, digits, '_', '.' and '-'");
  }
  const webhook = input.webhook ? parseHttpUrl("webhook", input.webhook) : undefined;

  const options: AnalysisOptions = {
    encoding,
    sampleRate,
    languageCode,
    metrics,
    speakers,
    separateSpeakerPerChannel: input.separateSpeakerPerChannel ?? false,
  };
  const audio = hasContent ? decodeBase64Audio(input.content!, limits.maxAudioBytes) : undefined;
  const url = hasUrl ? parseHttpUrl("url", input.url!) : undefined;
  const uploadId = hasUpload ? input.uploadId! : undefined;
  const hash = createHash("sha256").update(JSON.stringify({ options, url, webhook, ...(uploadId ? { uploadId } : {}) }));
  if (audio) hash.update(audio);
  return { options, audio, url, uploadId, webhook, requestId: input.requestId ?? undefined, inputHash: hash.digest("hex") };
}
