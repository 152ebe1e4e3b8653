/**
 * A small, strict RIFF/WAVE (and RF64) parser for PCM, IEEE float and G.711 data.
 * Handles WAVE_FORMAT_EXTENSIBLE, odd-sized chunks (padded to even), and streaming headers
 * whose data size is 0 or 0xFFFFFFFF (the data then runs to the end of the file).
 */
import { AudioDecodeError } from "./errors.js";
import { ALAW_TABLE, MULAW_TABLE, expandG711 } from "./g711.js";
import { deinterleavePcm, type PcmFormat } from "./pcm.js";

export interface WavInfo {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  /** Byte offset and length of the sample data inside the file. */
  dataOffset: number;
  dataLength: number;
  kind: "pcm" | "float" | "mulaw" | "alaw";
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

export function isWav(b: Uint8Array): boolean {
  return b.length >= 12 && (fourcc(b, 0) === "RIFF" || fourcc(b, 0) === "RF64") && fourcc(b, 8) === "WAVE";
}

/** Limits beyond which a fmt chunk is damage, not a format we merely do not support. */
const MAX_PLAUSIBLE_CHANNELS = 64;
const MAX_PLAUSIBLE_RATE = 768_000;
const MAX_PLAUSIBLE_BITS = 64;

/**
 * A header claiming 65535 channels or a 4 GHz rate is corrupt: refused here, as a decode
 * error, before anything (such as the duration limit) takes its numbers at face value.
 */
function checkPlausible(channels: number, sampleRate: number, bits: number) {
  if (channels === 0 || channels > MAX_PLAUSIBLE_CHANNELS) throw new AudioDecodeError(`corrupt WAV header: it claims ${channels} channels`);
  if (sampleRate === 0 || sampleRate > MAX_PLAUSIBLE_RATE) throw new AudioDecodeError(`corrupt WAV header: it claims a sample rate of ${sampleRate} Hz`);
  if (bits === 0 || bits > MAX_PLAUSIBLE_BITS) throw new AudioDecodeError(`corrupt WAV header: it claims ${bits} bits per sample`);
}

export function parseWavHeader(b: Uint8Array): WavInfo {
  if (b.length < 12) throw new AudioDecodeError(b.length === 0 ? "audio data is empty" : "not a WAV file: too short for a RIFF header");
  const riff = fourcc(b, 0);
  if (riff !== "RIFF" && riff !== "RF64") throw new AudioDecodeError("not a WAV file: missing RIFF header");
  if (fourcc(b, 8) !== "WAVE") throw new AudioDecodeError("not a WAV file: RIFF form type is not WAVE");
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);

  let fmt: Omit<WavInfo, "dataOffset" | "dataLength"> | undefined;
  let ds64DataSize: number | undefined;
  let pos = 12;
  while (pos + 8 <= b.length) {
    const id = fourcc(b, pos);
    const size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "ds64" && size >= 16 && body + 16 <= b.length) {
      ds64DataSize = Number(dv.getBigUint64(body + 8, true));
    } else if (id === "fmt ") {
      if (size < 16 || body + 16 > b.length) throw new AudioDecodeError("corrupt WAV: fmt chunk is too short");
      let formatTag = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const sampleRate = dv.getUint32(body + 4, true);
      const blockAlign = dv.getUint16(body + 12, true);
      let bitsPerSample = dv.getUint16(body + 14, true);
      if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 40 > b.length) throw new AudioDecodeError("corrupt WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk is too short");
        // the first two bytes of the SubFormat GUID carry the real format code
        formatTag = dv.getUint16(body + 24, true);
        const valid = dv.getUint16(body + 18, true);
        if (valid > 0 && valid > bitsPerSample) throw new AudioDecodeError("corrupt WAV: valid bits exceed container size");
      }
      let kind: WavInfo["kind"];
      if (formatTag === WAVE_FORMAT_PCM) kind = "pcm";
      else if (formatTag === WAVE_FORMAT_IEEE_FLOAT) kind = "float";
      else if (formatTag === WAVE_FORMAT_MULAW) kind = "mulaw";
      else if (formatTag === WAVE_FORMAT_ALAW) kind = "alaw";
      else throw new AudioDecodeError(`unsupported WAV format code 0x${formatTag.toString(16).padStart(4, "0")} (PCM, IEEE float, µ-law and A-law are supported)`);
      if (kind === "mulaw" || kind === "alaw") bitsPerSample = 8;
      checkPlausible(channels, sampleRate, bitsPerSample);
      fmt = { formatTag, channels, sampleRate, bitsPerSample, blockAlign, kind };
    } else if (id === "data") {
      if (!fmt) throw new AudioDecodeError("corrupt WAV: data chunk before fmt chunk");
      const available = b.length - body;
      let len: number;
      if (riff === "RF64" && size === 0xffffffff && ds64DataSize !== undefined) len = ds64DataSize;
      else len = size;
      if (len === 0 || len === 0xffffffff) {
        // streaming header: the data runs to the end of the file
        len = available;
      } else if (len > available) {
        throw new AudioDecodeError(`truncated WAV: data chunk declares ${len} bytes but only ${available} are present`);
      }
      return { ...fmt, dataOffset: body, dataLength: len };
    }
    // chunks are padded to an even size
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new AudioDecodeError("corrupt WAV: no fmt chunk found");
  throw new AudioDecodeError("truncated WAV: no data chunk found");
}

/**
 * A validated WAV file ready to convert: where its whole frames are and how to turn a run of
 * those bytes into per-channel floats. Converting is left to the caller so that a stream can
 * convert one chunk at a time (decodeWav converts everything at once).
 */
export interface WavLayout {
  sampleRate: number;
  channels: number;
  kind: WavInfo["kind"];
  /** PCM/float sample format (undefined for G.711). */
  format: PcmFormat | undefined;
  /** Bytes per frame (all channels). */
  frameBytes: number;
  /** The sample data, whole frames only (a view of the input, not a copy). */
  data: Uint8Array;
  /** Frames in `data`. */
  frames: number;
  /** Interleaved bytes (whole frames) → one Float32Array per channel. */
  convert(bytes: Uint8Array): Float32Array[];
}

export function wavLayout(b: Uint8Array): WavLayout {
  const info = parseWavHeader(b);
  const { channels, sampleRate, bitsPerSample, kind } = info;
  if (channels < 1 || channels > 2) throw new AudioDecodeError(`unsupported WAV channel count ${channels} (mono or stereo only)`);
  if (sampleRate < 4000 || sampleRate > 384000) throw new AudioDecodeError(`implausible WAV sample rate ${sampleRate} Hz`);

  let format: PcmFormat | undefined;
  if (kind === "pcm") {
    format = bitsPerSample <= 8 ? "s8u" : bitsPerSample <= 16 ? "s16" : bitsPerSample <= 24 ? "s24" : bitsPerSample <= 32 ? "s32" : undefined;
    // container size is what matters: derive it from blockAlign when they disagree
    const container = info.blockAlign / channels;
    if (container === 1) format = "s8u";
    else if (container === 2) format = "s16";
    else if (container === 3) format = "s24";
    else if (container === 4) format = "s32";
  } else if (kind === "float") {
    format = bitsPerSample === 32 ? "f32" : bitsPerSample === 64 ? "f64" : undefined;
  }
  if (kind === "pcm" || kind === "float") {
    if (!format) throw new AudioDecodeError(`unsupported WAV sample size: ${bitsPerSample}-bit ${kind}`);
  }
  const bps = kind === "mulaw" || kind === "alaw" ? 1 : format === "s8u" ? 1 : format === "s16" ? 2 : format === "s24" ? 3 : format === "f64" ? 8 : 4;
  if (info.blockAlign !== 0 && info.blockAlign !== bps * channels) {
    throw new AudioDecodeError(`corrupt WAV: block align ${info.blockAlign} does not match ${channels} channel(s) of ${bps * 8}-bit samples`);
  }
  const frameBytes = bps * channels;
  let len = info.dataLength;
  // a streaming header may end in the middle of a frame: drop the partial frame
  len -= len % frameBytes;
  if (len === 0) throw new AudioDecodeError("audio contains no samples");
  const data = b.subarray(info.dataOffset, info.dataOffset + len);
  const convert =
    kind === "mulaw"
      ? (x: Uint8Array) => expandG711(x, channels, MULAW_TABLE)
      : kind === "alaw"
        ? (x: Uint8Array) => expandG711(x, channels, ALAW_TABLE)
        : (x: Uint8Array) => deinterleavePcm(x, channels, format!);
  return { sampleRate, channels, kind, format, frameBytes, data, frames: len / frameBytes, convert };
}

/** Index of the first NaN or infinite sample in little-endian float data, or -1. Allocates nothing. */
export function findNonFinite(bytes: Uint8Array, format: "f32" | "f64"): number {
  // all exponent bits set means NaN or infinity
  if (format === "f32") {
    for (let p = 0; p + 3 < bytes.length; p += 4) if ((bytes[p + 3]! & 0x7f) === 0x7f && bytes[p + 2]! & 0x80) return p / 4;
  } else {
    for (let p = 0; p + 7 < bytes.length; p += 8) if ((bytes[p + 7]! & 0x7f) === 0x7f && (bytes[p + 6]! & 0xf0) === 0xf0) return p / 8;
  }
  return -1;
}

export function decodeWav(b: Uint8Array): { sampleRate: number; channels: Float32Array[] } {
  const l = wavLayout(b);
  return { sampleRate: l.sampleRate, channels: l.convert(l.data) };
}
