/**
 * Decode any supported input encoding into per-channel float PCM at its native rate.
 *
 *  - WAV (PCM 8/16/24/32-bit, float 32/64, µ-law, A-law): our own parser (wav.ts).
 *  - FLAC, MP3, Ogg Opus, Ogg Vorbis: `audio-decode` (WASM), after structural checks
 *    (containers.ts) that recognise the format, detect truncation and Ogg CRC errors.
 *  - Raw LINEAR16 (s16le), MULAW, ALAW: headerless, at the declared sample rate.
 *
 * Every failure is an AudioDecodeError with a human-readable message.
 */
import type { AudioEncoding, DecodedAudio } from "../types.js";
import { AudioDecodeError } from "./errors.js";
import { ALAW_TABLE, MULAW_TABLE, expandG711 } from "./g711.js";
import { deinterleavePcm } from "./pcm.js";
import { decodeWav } from "./wav.js";
import {
  describeContainer,
  parseFlacStreamInfo,
  sniffContainer,
  walkMp3,
  walkOgg,
  type ContainerKind,
} from "./containers.js";

export { AudioDecodeError } from "./errors.js";

export interface DecodeOptions {
  encoding: AudioEncoding;
  /** Authoritative for raw LINEAR16/MULAW/ALAW; a hint (ignored) for containers. */
  sampleRate: number;
  /** Channels of raw input (default 1). */
  rawChannels?: number;
}

const EXPECTED: Partial<Record<AudioEncoding, ContainerKind>> = {
  WAV: "wav",
  FLAC: "flac",
  MP3: "mp3",
  OGG_OPUS: "ogg-opus",
  OGG_VORBIS: "ogg-vorbis",
};

const MIN_RATE = 4000;
const MAX_RATE = 384000;

export async function decodeAudio(data: Buffer | Uint8Array, opts: DecodeOptions): Promise<DecodedAudio> {
  if (!data || data.length === 0) throw new AudioDecodeError("audio data is empty");
  const b = data instanceof Uint8Array ? data : new Uint8Array(data);
  let res: { sampleRate: number; channels: Float32Array[] };
  switch (opts.encoding) {
    case "LINEAR16":
    case "MULAW":
    case "ALAW":
      res = decodeRaw(b, opts.encoding, opts.sampleRate, opts.rawChannels ?? 1);
      break;
    case "WAV":
      checkKind(b, opts.encoding);
      res = decodeWav(b);
      break;
    case "FLAC":
    case "MP3":
    case "OGG_OPUS":
    case "OGG_VORBIS":
      checkKind(b, opts.encoding);
      res = await decodeCompressed(b, opts.encoding);
      break;
    default:
      throw new AudioDecodeError(`unsupported encoding ${String(opts.encoding)}`);
  }
  return finish(res);
}

function checkKind(b: Uint8Array, enc: AudioEncoding): void {
  const want = EXPECTED[enc]!;
  const got = sniffContainer(b);
  if (got !== want) {
    if (enc === "WAV" && got === "unknown") throw new AudioDecodeError(b.length < 12 ? "not a WAV file: too short for a RIFF header" : "not a WAV file: missing RIFF header");
    const name = enc === "WAV" ? "WAV" : describeContainer(want);
    throw new AudioDecodeError(`declared encoding ${enc} but data is not ${name} (it looks ${got === "unknown" ? "like no known audio format" : "like " + describeContainer(got)})`);
  }
}

function decodeRaw(b: Uint8Array, enc: "LINEAR16" | "MULAW" | "ALAW", sampleRate: number, channels: number): { sampleRate: number; channels: Float32Array[] } {
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE || Math.floor(sampleRate) !== sampleRate) {
    throw new AudioDecodeError(`raw ${enc} needs a valid sampleRate (got ${sampleRate})`);
  }
  if (channels !== 1 && channels !== 2) throw new AudioDecodeError(`raw ${enc}: unsupported channel count ${channels}`);
  // headerless data that is plainly a container is a mistaken declaration
  const kind = sniffContainer(b);
  if (kind === "wav" || kind === "flac" || kind === "ogg-opus" || kind === "ogg-vorbis" || kind === "ogg-other" || (b.length >= 3 && b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33)) {
    throw new AudioDecodeError(`declared encoding ${enc} (raw, headerless) but data is ${describeContainer(kind === "unknown" ? "mp3" : kind)}`);
  }
  if (enc === "LINEAR16") {
    if (b.length % (2 * channels) !== 0) throw new AudioDecodeError(`truncated LINEAR16 data: ${b.length} bytes is not a whole number of ${channels}-channel 16-bit frames`);
    return { sampleRate, channels: deinterleavePcm(b, channels, "s16") };
  }
  if (b.length % channels !== 0) throw new AudioDecodeError(`truncated ${enc} data: ${b.length} bytes is not a whole number of ${channels}-channel frames`);
  return { sampleRate, channels: expandG711(b, channels, enc === "MULAW" ? MULAW_TABLE : ALAW_TABLE) };
}

type DecodeFn = ((buf: Uint8Array) => Promise<{ channelData: Float32Array[]; sampleRate: number }>) & {
  flac: () => Promise<StreamDec>;
  mp3: () => Promise<StreamDec>;
  opus: () => Promise<StreamDec>;
  oga: () => Promise<StreamDec>;
};
type StreamDec = ((chunk?: Uint8Array) => Promise<{ channelData: Float32Array[]; sampleRate: number }>) & { free(): void };

let decoderModule: Promise<DecodeFn> | undefined;
function audioDecode(): Promise<DecodeFn> {
  decoderModule ??= import("audio-decode").then((m) => m.default as unknown as DecodeFn);
  return decoderModule;
}

const CODEC_NAME: Record<string, string> = { FLAC: "FLAC", MP3: "MP3", OGG_OPUS: "Ogg Opus", OGG_VORBIS: "Ogg Vorbis" };

async function decodeCompressed(b: Uint8Array, enc: "FLAC" | "MP3" | "OGG_OPUS" | "OGG_VORBIS"): Promise<{ sampleRate: number; channels: Float32Array[] }> {
  const name = CODEC_NAME[enc]!;
  // structural checks first: they catch truncation that the decoders silently accept
  let expectedSamples = 0;
  let minSamples = 0;
  if (enc === "FLAC") {
    const info = parseFlacStreamInfo(b);
    if (info.channels > 2) throw new AudioDecodeError(`unsupported FLAC channel count ${info.channels} (mono or stereo only)`);
    expectedSamples = info.totalSamples;
  } else if (enc === "MP3") {
    const w = walkMp3(b);
    // the decoder may drop encoder delay/padding (up to ~2 frames) but not much more
    minSamples = Math.max(0, w.samples - 3 * 1152);
  } else {
    walkOgg(b, name);
  }

  const decode = await audioDecode();
  const fmt = enc === "FLAC" ? "flac" : enc === "MP3" ? "mp3" : enc === "OGG_OPUS" ? "opus" : "oga";
  let out: { channelData: Float32Array[]; sampleRate: number };
  let dec: StreamDec | undefined;
  try {
    dec = await decode[fmt]();
    const first = await dec(b);
    const rest = await dec();
    out = concatResults(first, rest);
  } catch (e) {
    try {
      dec?.free();
    } catch {
      /* already freed */
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new AudioDecodeError(`corrupt ${name} stream: ${msg}`, { cause: e });
  }
  const n = out.channelData[0]?.length ?? 0;
  if (out.channelData.length === 0 || n === 0) throw new AudioDecodeError(`corrupt ${name} stream: the decoder produced no samples`);
  if (expectedSamples > 0 && n < expectedSamples) {
    throw new AudioDecodeError(`truncated or corrupt ${name} stream: only ${n} of ${expectedSamples} samples could be decoded`);
  }
  if (minSamples > 0 && n < minSamples) throw new AudioDecodeError(`corrupt ${name} stream: only ${n} of ~${minSamples} samples decoded`);
  if (out.channelData.length > 2) throw new AudioDecodeError(`unsupported ${name} channel count ${out.channelData.length} (mono or stereo only)`);
  return { sampleRate: out.sampleRate, channels: out.channelData };
}

function concatResults(
  a: { channelData: Float32Array[]; sampleRate: number },
  b: { channelData: Float32Array[]; sampleRate: number },
): { channelData: Float32Array[]; sampleRate: number } {
  const bn = b.channelData[0]?.length ?? 0;
  if (bn === 0) return a;
  const an = a.channelData[0]?.length ?? 0;
  if (an === 0) return b;
  const chans = a.channelData.map((ch, c) => {
    const o = new Float32Array(an + bn);
    o.set(ch, 0);
    o.set(b.channelData[c] ?? new Float32Array(bn), an);
    return o;
  });
  return { channelData: chans, sampleRate: a.sampleRate || b.sampleRate };
}

function finish(res: { sampleRate: number; channels: Float32Array[] }): DecodedAudio {
  const { sampleRate, channels } = res;
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    throw new AudioDecodeError(`implausible sample rate ${sampleRate} Hz`);
  }
  if (channels.length === 0) throw new AudioDecodeError("audio contains no samples");
  if (channels.length > 2) throw new AudioDecodeError(`unsupported channel count ${channels.length} (mono or stereo only)`);
  const n = channels[0]!.length;
  if (n === 0) throw new AudioDecodeError("audio contains no samples");
  for (const ch of channels) {
    if (ch.length !== n) throw new AudioDecodeError("corrupt audio: channels have different lengths");
    // float data (WAV float, codec output) can carry NaN/Inf: reject rather than poison later stages
    for (let i = 0; i < n; i++) {
      const v = ch[i]!;
      if (v !== v || v === Infinity || v === -Infinity) throw new AudioDecodeError("corrupt audio: samples contain NaN or infinity");
    }
  }
  return { sampleRate, channels, duration: n / sampleRate };
}
