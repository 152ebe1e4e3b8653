/**
 * Streaming decode: any supported input encoding → consecutive chunks of per-channel float PCM
 * at the native rate, so a long recording never has to exist as one Float32Array per channel.
 *
 *  - WAV (PCM 8/16/24/32-bit, float 32/64, µ-law, A-law) and raw LINEAR16/MULAW/ALAW: the
 *    header is parsed once (wav.ts); each chunk converts only its own run of bytes (a view of
 *    the input, never a copy of the whole buffer).
 *  - FLAC, MP3, Ogg Opus, Ogg Vorbis: `audio-decode`'s stream decoders (WASM), fed FEED_BYTES
 *    of input at a time, after structural checks (containers.ts) that recognise the format and
 *    detect truncation and corruption up front.
 *
 * The bytes decide the format (resolveEncoding): the declared encoding is a hint, so "MP3"
 * bytes that are FLAC decode as FLAC; bytes that are no supported audio fail naming what was
 * found.
 *
 * Every failure is an AudioDecodeError with a message in our words (never a decoder's
 * internals; those stay in `cause`). Most bad input fails in
 * openAudioStream; what only decoding can reveal (a corrupt frame in the middle of a compressed
 * stream, NaN samples from a codec) fails during iteration.
 *
 * decodeAudio (decode.ts) is this stream collected into one array per channel.
 */
import type { AudioEncoding } from "../types.js";
import { AudioDecodeError } from "./errors.js";
import { ALAW_TABLE, MULAW_TABLE, expandG711 } from "./g711.js";
import { deinterleavePcm } from "./pcm.js";
import { findNonFinite, wavLayout } from "./wav.js";
import {
  ENCODING_NAME,
  checkFlacEnd,
  mislabelledError,
  oggCodecInfo,
  parseFlacStreamInfo,
  resolveEncoding,
  walkMp3,
  walkOgg,
} from "./containers.js";

export interface AudioStream {
  /** Native sample rate (Hz). */
  sampleRate: number;
  /** 1 or 2. */
  channelCount: number;
  /** Estimated total duration in seconds when known from headers (for progress), else undefined. */
  durationHint?: number;
  /**
   * Consecutive chunks of `seconds` of audio (default 10; every chunk but the last has exactly
   * round(seconds × sampleRate) frames; `Infinity` gives one chunk), one Float32Array per
   * channel, all of the same length. Each call starts again from the beginning. Throws
   * AudioDecodeError for corrupt data, possibly mid-stream.
   */
  chunks(seconds?: number): AsyncGenerator<Float32Array[]>;
}

export interface OpenAudioOptions {
  encoding: AudioEncoding;
  /** Authoritative for raw LINEAR16/MULAW/ALAW; a hint (ignored) for containers. */
  sampleRate: number;
  /** Channels of raw input (default 1). */
  rawChannels?: number;
  /** Compressed input is fed to the decoder this many bytes at a time (default FEED_BYTES). */
  feedBytes?: number;
}

/** Compressed input is handed to the decoder this many bytes at a time. */
export const FEED_BYTES = 64 * 1024;
const DEFAULT_SECONDS = 10;
const MIN_RATE = 4000;
const MAX_RATE = 384000;

export async function openAudioStream(data: Uint8Array, opts: OpenAudioOptions): Promise<AudioStream> {
  if (!data || data.length === 0) throw new AudioDecodeError("audio data is empty");
  const b = data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBufferLike);
  const declared = opts.encoding;
  const encoding = resolveEncoding(b, declared);
  let stream: AudioStream;
  try {
    stream = await openAs(b, { ...opts, encoding });
  } catch (e) {
    throw mislabelledError(e, declared, encoding);
  }
  return guardChunks(stream, declared, encoding);
}

/** The stream with every failure during iteration in our words too. */
export function guardChunks<S extends AudioStream>(stream: S, declared: AudioEncoding, encoding: AudioEncoding): S {
  const inner = stream.chunks.bind(stream);
  return {
    ...stream,
    async *chunks(seconds?: number) {
      try {
        yield* inner(seconds);
      } catch (e) {
        if (e instanceof RangeError && /^chunks:/.test(e.message)) throw e; // a caller's mistake, not the audio's
        throw mislabelledError(e, declared, encoding);
      }
    },
  };
}

async function openAs(b: Uint8Array, opts: OpenAudioOptions): Promise<AudioStream> {
  switch (opts.encoding) {
    case "LINEAR16":
    case "MULAW":
    case "ALAW":
      return rawStream(b, opts.encoding, opts.sampleRate, opts.rawChannels ?? 1);
    case "WAV":
      return wavStream(b);
    case "FLAC":
    case "MP3":
    case "OGG_OPUS":
    case "OGG_VORBIS":
      return compressedStream(b, opts.encoding, Math.max(1, Math.floor(opts.feedBytes ?? FEED_BYTES)));
    default:
      throw new AudioDecodeError(`unsupported encoding ${String(opts.encoding)}`);
  }
}

function chunkFrames(seconds: number | undefined, sampleRate: number): number {
  const s = seconds ?? DEFAULT_SECONDS;
  if (s === Infinity) return Infinity;
  if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`chunks: seconds must be positive (got ${s})`);
  return Math.max(1, Math.round(s * sampleRate));
}

// ------------------------------------------------------------------------------ WAV and raw

/** Interleaved byte data with a fixed frame size, converted one chunk at a time. */
interface ByteLayout {
  sampleRate: number;
  channels: number;
  frameBytes: number;
  data: Uint8Array;
  frames: number;
  convert(bytes: Uint8Array): Float32Array[];
}

function byteStream(l: ByteLayout): AudioStream {
  return {
    sampleRate: l.sampleRate,
    channelCount: l.channels,
    durationHint: l.frames / l.sampleRate,
    async *chunks(seconds?: number) {
      const step = chunkFrames(seconds, l.sampleRate);
      for (let f = 0; f < l.frames; f += step) {
        const to = Math.min(l.frames, f + step);
        yield l.convert(l.data.subarray(f * l.frameBytes, to * l.frameBytes));
      }
    },
  };
}

function wavStream(b: Uint8Array): AudioStream {
  const l = wavLayout(b);
  // float data can carry NaN/Inf: reject it up front rather than poison later stages
  if (l.format === "f32" || l.format === "f64") {
    const at = findNonFinite(l.data, l.format);
    if (at >= 0) throw new AudioDecodeError(`corrupt audio: samples contain NaN or infinity (first at sample ${at})`);
  }
  return byteStream(l);
}

function rawStream(b: Uint8Array, enc: "LINEAR16" | "MULAW" | "ALAW", sampleRate: number, channels: number): AudioStream {
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE || Math.floor(sampleRate) !== sampleRate) {
    throw new AudioDecodeError(`raw ${enc} needs a valid sampleRate (got ${sampleRate})`);
  }
  if (channels !== 1 && channels !== 2) throw new AudioDecodeError(`raw ${enc}: unsupported channel count ${channels}`);
  let frameBytes: number;
  let convert: (x: Uint8Array) => Float32Array[];
  if (enc === "LINEAR16") {
    if (b.length % (2 * channels) !== 0) throw new AudioDecodeError(`truncated LINEAR16 data: ${b.length} bytes is not a whole number of ${channels}-channel 16-bit frames`);
    frameBytes = 2 * channels;
    convert = (x) => deinterleavePcm(x, channels, "s16");
  } else {
    if (b.length % channels !== 0) throw new AudioDecodeError(`truncated ${enc} data: ${b.length} bytes is not a whole number of ${channels}-channel frames`);
    frameBytes = channels;
    const table = enc === "MULAW" ? MULAW_TABLE : ALAW_TABLE;
    convert = (x) => expandG711(x, channels, table);
  }
  return byteStream({ sampleRate, channels, frameBytes, data: b, frames: b.length / frameBytes, convert });
}

// ------------------------------------------------------------------------------- compressed

type DecodeResult = { channelData: Float32Array[]; sampleRate: number };
/** audio-decode's stream decoder: dec(bytes) decodes, dec() flushes and frees, free() frees. */
type StreamDec = ((chunk?: Uint8Array) => Promise<DecodeResult>) & { free(): void };
type DecodeFn = ((buf: Uint8Array) => Promise<DecodeResult>) & {
  flac: () => Promise<StreamDec>;
  mp3: () => Promise<StreamDec>;
  opus: () => Promise<StreamDec>;
  oga: () => Promise<StreamDec>;
};

let decoderModule: Promise<DecodeFn> | undefined;
function audioDecode(): Promise<DecodeFn> {
  decoderModule ??= import("audio-decode").then((m) => m.default as unknown as DecodeFn);
  return decoderModule;
}

type Codec = "FLAC" | "MP3" | "OGG_OPUS" | "OGG_VORBIS";
const CODEC_FN: Record<Codec, "flac" | "mp3" | "opus" | "oga"> = { FLAC: "flac", MP3: "mp3", OGG_OPUS: "opus", OGG_VORBIS: "oga" };

async function compressedStream(b: Uint8Array, enc: Codec, feed: number): Promise<AudioStream> {
  const name = ENCODING_NAME[enc];
  // structural checks first (no per-sample allocation): they catch truncation that the
  // decoders silently accept, and give the stream's shape before anything is decoded
  let sampleRate: number;
  let channels: number;
  let durationHint: number | undefined;
  /** Samples the decoder must produce (FLAC STREAMINFO), 0 when unknown. */
  let expectedSamples = 0;
  /** Lower bound on what the decoder must produce (MP3 frames minus encoder delay). */
  let minSamples = 0;
  if (enc === "FLAC") {
    const info = parseFlacStreamInfo(b);
    if (info.channels > 2) throw new AudioDecodeError(`unsupported FLAC channel count ${info.channels} (mono or stereo only)`);
    checkFlacEnd(b);
    ({ sampleRate, channels } = info);
    expectedSamples = info.totalSamples;
    if (expectedSamples > 0) durationHint = expectedSamples / sampleRate;
  } else if (enc === "MP3") {
    const w = walkMp3(b);
    ({ sampleRate, channels } = w);
    // the decoder may drop encoder delay/padding (up to ~2 frames) but not much more
    minSamples = Math.max(0, w.samples - 3 * 1152);
    durationHint = w.samples / sampleRate;
  } else {
    const { lastGranule } = walkOgg(b, name);
    const info = oggCodecInfo(b, enc === "OGG_OPUS" ? "opus" : "vorbis");
    ({ sampleRate, channels } = info);
    if (channels < 1 || channels > 2) throw new AudioDecodeError(`unsupported ${name} channel count ${channels} (mono or stereo only)`);
    if (lastGranule > info.preSkip) durationHint = (lastGranule - info.preSkip) / sampleRate;
  }
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE) throw new AudioDecodeError(`implausible sample rate ${sampleRate} Hz`);
  const decode = await audioDecode();

  async function* chunks(seconds?: number): AsyncGenerator<Float32Array[]> {
    const target = chunkFrames(seconds, sampleRate);
    const pending = new Pending(channels);
    let total = 0;
    let dec: StreamDec | undefined;
    try {
      try {
        dec = await decode[CODEC_FN[enc]]();
      } catch (e) {
        throw new AudioDecodeError(`the ${name} decoder could not be started`, { cause: e });
      }
      for (let o = 0; ; o += feed) {
        const last = o >= b.length;
        let r: DecodeResult;
        try {
          r = last ? await dec() : await dec(b.subarray(o, Math.min(b.length, o + feed)));
        } catch (e) {
          // the decoder's own message is its internals (and sometimes its bugs): keep it as the cause only
          throw new AudioDecodeError(`corrupt ${name} stream: the data near byte ${Math.min(o, b.length)} of ${b.length} cannot be decoded`, { cause: e });
        }
        const got = accept(r, name, sampleRate, channels);
        if (got) {
          total += got[0]!.length;
          pending.push(got);
        }
        while (pending.length >= target) yield pending.take(target);
        if (last) break;
      }
      // end of stream: truncation the structural checks could not see
      if (total === 0) throw new AudioDecodeError(`corrupt ${name} stream: the decoder produced no samples`);
      if (expectedSamples > 0 && total < expectedSamples) {
        throw new AudioDecodeError(`truncated or corrupt ${name} stream: only ${total} of ${expectedSamples} samples could be decoded`);
      }
      if (minSamples > 0 && total < minSamples) throw new AudioDecodeError(`corrupt ${name} stream: only ${total} of ~${minSamples} samples decoded`);
      if (pending.length > 0) yield pending.take(pending.length);
    } finally {
      try {
        dec?.free();
      } catch {
        /* already freed */
      }
    }
  }
  return { sampleRate, channelCount: channels, durationHint, chunks };
}

/** Validates one decoder output; returns its channels (exactly `channels` of them) or undefined when empty. */
function accept(r: DecodeResult, name: string, sampleRate: number, channels: number): Float32Array[] | undefined {
  const cd = r?.channelData ?? [];
  const n = cd[0]?.length ?? 0;
  if (cd.length === 0 || n === 0) return undefined;
  if (r.sampleRate !== sampleRate) throw new AudioDecodeError(`corrupt ${name} stream: decoded at ${r.sampleRate} Hz but the header says ${sampleRate} Hz`);
  let out = cd;
  if (cd.length === 1 && channels === 2) {
    // audio-decode collapses MP3 blocks whose two channels are identical: restore the pair.
    // The channel count comes from the frame header, so a dual-mono stereo MP3 decodes as two
    // identical channels (the diarizer's stereo layout check treats them as one signal).
    out = [cd[0]!, cd[0]!.slice()];
  } else if (cd.length !== channels) {
    throw new AudioDecodeError(`unsupported or inconsistent ${name} channel count: decoded ${cd.length}, header says ${channels} (mono or stereo only)`);
  }
  for (const ch of out) {
    if (ch.length !== n) throw new AudioDecodeError(`corrupt ${name} stream: channels have different lengths`);
    // codec output can carry NaN/Inf: reject rather than poison later stages
    for (let i = 0; i < n; i++) {
      const v = ch[i]!;
      if (v !== v || v === Infinity || v === -Infinity) throw new AudioDecodeError("corrupt audio: samples contain NaN or infinity");
    }
  }
  return out;
}

/** Decoder output waiting to be cut into chunks of the requested length. */
class Pending {
  private pieces: Float32Array[][] = [];
  /** Frames already taken from pieces[0]. */
  private head = 0;
  length = 0;
  constructor(private readonly channels: number) {}

  push(piece: Float32Array[]): void {
    this.pieces.push(piece);
    this.length += piece[0]!.length;
  }

  take(n: number): Float32Array[] {
    const first = this.pieces[0]!;
    if (this.head === 0 && first[0]!.length === n) {
      // a whole decoder block is exactly the chunk: hand it over without copying
      this.pieces.shift();
      this.length -= n;
      return first;
    }
    const out: Float32Array[] = [];
    for (let c = 0; c < this.channels; c++) out.push(new Float32Array(n));
    let filled = 0;
    while (filled < n) {
      const p = this.pieces[0]!;
      const avail = p[0]!.length - this.head;
      const k = Math.min(avail, n - filled);
      for (let c = 0; c < this.channels; c++) out[c]!.set(p[c]!.subarray(this.head, this.head + k), filled);
      filled += k;
      if (k === avail) {
        this.pieces.shift();
        this.head = 0;
      } else this.head += k;
    }
    this.length -= n;
    return out;
  }
}
