/**
 * Decode any supported input encoding into per-channel float PCM at its native rate, all at
 * once. This is openAudioStream (stream.ts) collected into one Float32Array per channel: there
 * is one decoding path. Prefer the stream for long recordings: this holds every sample.
 *
 *  - WAV (PCM 8/16/24/32-bit, float 32/64, µ-law, A-law): our own parser (wav.ts).
 *  - FLAC, MP3, Ogg Opus, Ogg Vorbis: `audio-decode` (WASM), after structural checks
 *    (containers.ts) that recognise the format, detect truncation and Ogg CRC errors.
 *  - Raw LINEAR16 (s16le), MULAW, ALAW: headerless, at the declared sample rate.
 *
 * The format is recognised from the bytes; the declared encoding is a hint (containers.ts,
 * resolveEncoding). Every failure is an AudioDecodeError with a message in our words.
 */
import type { AudioEncoding, DecodedAudio } from "../types.js";
import { AudioDecodeError } from "./errors.js";
import { openAudioStream } from "./stream.js";

export { AudioDecodeError } from "./errors.js";
export { openAudioStream, type AudioStream } from "./stream.js";

export interface DecodeOptions {
  /** As declared: decides for headerless bytes; a recognised container decodes as what it is. */
  encoding: AudioEncoding;
  /** Authoritative for raw LINEAR16/MULAW/ALAW; a hint (ignored) for containers. */
  sampleRate: number;
  /** Channels of raw input (default 1). */
  rawChannels?: number;
}

export async function decodeAudio(data: Buffer | Uint8Array, opts: DecodeOptions): Promise<DecodedAudio> {
  const stream = await openAudioStream(data, opts);
  // one chunk for the whole recording: WAV/raw convert straight into the result, compressed
  // streams concatenate the decoder's blocks once
  const parts: Float32Array[][] = [];
  for await (const c of stream.chunks(Infinity)) parts.push(c);
  let channels: Float32Array[];
  if (parts.length === 1) channels = parts[0]!;
  else {
    const n = parts.reduce((s, p) => s + p[0]!.length, 0);
    channels = Array.from({ length: stream.channelCount }, (_, c) => {
      const out = new Float32Array(n);
      let o = 0;
      for (const p of parts) {
        out.set(p[c]!, o);
        o += p[c]!.length;
      }
      return out;
    });
  }
  const n = channels[0]?.length ?? 0;
  if (n === 0) throw new AudioDecodeError("audio contains no samples");
  return { sampleRate: stream.sampleRate, channels, duration: n / stream.sampleRate };
}
