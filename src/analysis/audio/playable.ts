/**
 * The submitted audio in a form a browser's <audio> element plays: containers (WAV, FLAC,
 * MP3, Ogg) as they were submitted; headerless LINEAR16 / µ-law / A-law wrapped into a 16-bit
 * PCM WAV (browsers cannot play raw samples, and few play G.711 even inside a WAV). Raw input
 * is mono at the declared rate, as the decoder reads it.
 */
import type { AudioEncoding } from "../types.js";
import { pcm16WavHeader, toS16le } from "../transcription/wav.js";
import { ALAW_TABLE, MULAW_TABLE, expandG711 } from "./g711.js";

export const CONTENT_TYPES: Record<AudioEncoding, string> = {
  WAV: "audio/wav",
  FLAC: "audio/flac",
  MP3: "audio/mpeg",
  OGG_OPUS: "audio/ogg; codecs=opus",
  OGG_VORBIS: "audio/ogg; codecs=vorbis",
  LINEAR16: "audio/wav",
  MULAW: "audio/wav",
  ALAW: "audio/wav",
};

/** Headerless input, which playableAudio wraps into a WAV (the rest is served as submitted). */
export function needsWavWrapper(encoding: AudioEncoding): boolean {
  return encoding === "LINEAR16" || encoding === "MULAW" || encoding === "ALAW";
}

export function playableAudio(bytes: Buffer, opts: { encoding: AudioEncoding; sampleRate: number }): { contentType: string; body: Buffer } {
  const contentType = CONTENT_TYPES[opts.encoding];
  switch (opts.encoding) {
    case "LINEAR16": {
      const pcm = bytes.subarray(0, bytes.length - (bytes.length % 2)); // whole samples only
      return { contentType, body: Buffer.concat([pcm16WavHeader(pcm.length, opts.sampleRate), pcm]) };
    }
    case "MULAW":
    case "ALAW": {
      const [samples] = expandG711(bytes, 1, opts.encoding === "MULAW" ? MULAW_TABLE : ALAW_TABLE);
      const pcm = toS16le(samples!);
      return { contentType, body: Buffer.concat([pcm16WavHeader(pcm.length, opts.sampleRate), pcm]) };
    }
    default:
      return { contentType, body: bytes };
  }
}
