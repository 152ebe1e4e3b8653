/**
 * OpenAI-compatible speech-to-text: `POST {base}/v1/audio/transcriptions`, multipart form with
 * `file` (16-bit PCM WAV), `model`, `response_format=verbose_json`, `timestamp_granularities[]=word`
 * (and `=segment`), optional `language` (ISO 639-1 from the request's language code). Works
 * with OpenAI, whisper.cpp's server, faster-whisper servers and similar.
 *
 * Words come from the response's `words` array; servers that give only `segments` (with or
 * without per-segment `words`) are handled by spreading each segment's text evenly over its
 * time span. Segment `avg_logprob` becomes the words' confidence (exp), when present.
 */
import type { Word } from "../types.js";
import type { Transcriber, TranscribeOptions } from "./index.js";
import { TranscriptionError } from "./errors.js";
import { encodeWav16 } from "./wav.js";

export interface OpenAIOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
}

interface VerboseWord { word?: string; text?: string; start?: number; end?: number; probability?: number; confidence?: number }
interface VerboseSegment { text?: string; start?: number; end?: number; avg_logprob?: number; words?: VerboseWord[] }
interface VerboseJson { text?: string; words?: VerboseWord[]; segments?: VerboseSegment[] }

function cleanWord(s: string): string {
  return s.trim();
}

/** Convert a verbose_json body to words (times + offset). */
export function parseVerboseJson(body: unknown, offset = 0): Word[] {
  if (!body || typeof body !== "object") throw new TranscriptionError("openai: response is not a JSON object", { provider: "openai" });
  const v = body as VerboseJson;
  const toWord = (w: VerboseWord, conf?: number): Word | undefined => {
    const text = cleanWord(String(w.word ?? w.text ?? ""));
    if (!text || typeof w.start !== "number" || typeof w.end !== "number") return undefined;
    const c = typeof w.probability === "number" ? w.probability : typeof w.confidence === "number" ? w.confidence : conf;
    const word: Word = { text, start: w.start + offset, end: Math.max(w.start, w.end) + offset };
    if (typeof c === "number" && Number.isFinite(c)) word.confidence = Math.max(0, Math.min(1, c));
    return word;
  };
  if (Array.isArray(v.words) && v.words.length > 0) {
    return v.words.map((w) => toWord(w)).filter((w): w is Word => !!w);
  }
  const out: Word[] = [];
  for (const seg of Array.isArray(v.segments) ? v.segments : []) {
    const conf = typeof seg.avg_logprob === "number" ? Math.exp(seg.avg_logprob) : undefined;
    if (Array.isArray(seg.words) && seg.words.length > 0) {
      for (const w of seg.words) {
        const word = toWord(w, conf);
        if (word) out.push(word);
      }
      continue;
    }
    const tokens = String(seg.text ?? "").trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0 || typeof seg.start !== "number" || typeof seg.end !== "number") continue;
    const step = Math.max(0, seg.end - seg.start) / tokens.length;
    tokens.forEach((t, i) => {
      const word: Word = { text: t, start: seg.start! + i * step + offset, end: seg.start! + (i + 1) * step + offset };
      if (conf !== undefined) word.confidence = Math.max(0, Math.min(1, conf));
      out.push(word);
    });
  }
  return out;
}

export class OpenAITranscriber implements Transcriber {
  readonly name = "openai";
  readonly url: string;
  constructor(private readonly options: OpenAIOptions) {
    const base = options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.url = `${base}/v1/audio/transcriptions`;
  }

  async transcribe(audio: Float32Array, options: TranscribeOptions = {}): Promise<Word[]> {
    if (audio.length < 1600) return [];
    const form = new FormData();
    form.append("file", new Blob([encodeWav16(audio)], { type: "audio/wav" }), "audio.wav");
    form.append("model", this.options.model);
    form.append("response_format", "verbose_json");
    form.append("timestamp_granularities[]", "word");
    form.append("timestamp_granularities[]", "segment");
    const lang = options.languageCode?.split(/[-_]/)[0]?.toLowerCase();
    if (lang && /^[a-z]{2}$/.test(lang)) form.append("language", lang);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 120_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(this.url, { method: "POST", body: form, headers, signal });
    } catch (e) {
      const why = timeout.aborted ? `timed out after ${this.options.timeoutMs ?? 120_000} ms` : (e as Error).message;
      throw new TranscriptionError(`openai: request to ${this.url} failed: ${why}`, { provider: this.name, cause: e });
    }
    const bodyText = await res.text();
    if (!res.ok) {
      throw new TranscriptionError(`openai: ${this.url} answered HTTP ${res.status}: ${bodyText.slice(0, 300)}`, { provider: this.name });
    }
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw new TranscriptionError(`openai: ${this.url} did not answer JSON (got ${JSON.stringify(bodyText.slice(0, 100))})`, { provider: this.name });
    }
    return parseVerboseJson(body, options.offset ?? 0);
  }
}
