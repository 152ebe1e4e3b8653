/**
 * Cheap structural checks of compressed containers, run before handing data to the WASM
 * decoders: they recognise the format (the bytes decide what is decoded; the declared
 * encoding is a hint), detect truncation (the decoders silently return what they could
 * decode) and corruption (Ogg page CRCs).
 */
import type { AudioEncoding } from "../types.js";
import { AudioDecodeError, asDecodeError } from "./errors.js";

export type ContainerKind = "wav" | "flac" | "mp3" | "ogg-opus" | "ogg-vorbis" | "ogg-other" | "unknown";

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = "";
  for (let i = 0; i < n && o + i < b.length; i++) s += String.fromCharCode(b[o + i]!);
  return s;
}

/** Length of a leading ID3v2 tag (0 when absent). */
export function id3v2Length(b: Uint8Array): number {
  if (b.length < 10 || ascii(b, 0, 3) !== "ID3") return 0;
  const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
  return 10 + size + (b[5]! & 0x10 ? 10 : 0);
}

export function sniffContainer(b: Uint8Array): ContainerKind {
  if (b.length >= 12 && (ascii(b, 0, 4) === "RIFF" || ascii(b, 0, 4) === "RF64") && ascii(b, 8, 4) === "WAVE") return "wav";
  if (ascii(b, 0, 4) === "OggS") {
    const first = oggFirstPacketStart(b);
    if (first >= 0) {
      if (ascii(b, first, 8) === "OpusHead") return "ogg-opus";
      if (b[first] === 1 && ascii(b, first + 1, 6) === "vorbis") return "ogg-vorbis";
    }
    return "ogg-other";
  }
  const id3 = id3v2Length(b);
  if (ascii(b, id3, 4) === "fLaC") return "flac";
  if (findMp3Start(b, id3) >= 0) return "mp3";
  return "unknown";
}

export function describeContainer(k: ContainerKind): string {
  switch (k) {
    case "wav":
      return "a WAV file";
    case "flac":
      return "FLAC";
    case "mp3":
      return "MP3";
    case "ogg-opus":
      return "Ogg Opus";
    case "ogg-vorbis":
      return "Ogg Vorbis";
    case "ogg-other":
      return "an Ogg stream of another codec";
    case "unknown":
      return "of an unrecognised format";
  }
}

const KIND_ENCODING: Partial<Record<ContainerKind, AudioEncoding>> = { wav: "WAV", flac: "FLAC", mp3: "MP3", "ogg-opus": "OGG_OPUS", "ogg-vorbis": "OGG_VORBIS" };
const RAW_ENCODINGS: readonly AudioEncoding[] = ["LINEAR16", "MULAW", "ALAW"];

/** How an encoding is named in messages: "MP3", "Ogg Opus", "LINEAR16 (raw)". */
export const ENCODING_NAME: Record<AudioEncoding, string> = {
  WAV: "WAV",
  FLAC: "FLAC",
  MP3: "MP3",
  OGG_OPUS: "Ogg Opus",
  OGG_VORBIS: "Ogg Vorbis",
  LINEAR16: "LINEAR16 (raw)",
  MULAW: "MULAW (raw)",
  ALAW: "ALAW (raw)",
};
/** What bytes of each encoding are, for "declared X but the bytes are …". */
export const ENCODING_BYTES: Record<AudioEncoding, string> = {
  WAV: "a WAV file",
  FLAC: "a FLAC stream",
  MP3: "an MP3 stream",
  OGG_OPUS: "an Ogg Opus stream",
  OGG_VORBIS: "an Ogg Vorbis stream",
  LINEAR16: "raw 16-bit PCM",
  MULAW: "raw µ-law",
  ALAW: "raw A-law",
};

/** "52 49 46 46 00 00 … ("RIFF")": the first bytes, for messages about unrecognised data. */
export function previewBytes(b: Uint8Array, n = 8): string {
  const head = b.subarray(0, n);
  const hex = Array.from(head, (x) => x.toString(16).padStart(2, "0")).join(" ") + (b.length > n ? " …" : "");
  const text = Array.from(head, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : "")).join("");
  return text.length >= 3 ? `${hex} ("${text}")` : hex;
}

/**
 * The encoding to decode `b` as. A container recognised from its bytes wins over the
 * declaration (clients name formats loosely: "Wave", "MPEG Audio", "Ogg"); headerless data
 * is decoded as the declared raw encoding. Throws an AudioDecodeError naming what was found
 * when the bytes are no supported audio. A bare MPEG frame sync (no ID3 tag) is weak
 * evidence and does not override a raw declaration: PCM samples can look like one.
 */
export function resolveEncoding(b: Uint8Array, declared: AudioEncoding): AudioEncoding {
  const raw = RAW_ENCODINGS.includes(declared);
  let kind = sniffContainer(b);
  const id3 = ascii(b, 0, 3) === "ID3";
  // an ID3 tag longer than the bytes we were shown, or in front of a broken stream
  if (kind === "unknown" && id3) kind = "mp3";
  if (kind === "mp3" && raw && !id3) return declared;
  const found = KIND_ENCODING[kind];
  if (found) return found;
  if (kind === "ogg-other") {
    throw new AudioDecodeError(`declared ${ENCODING_NAME[declared]} but the bytes are an Ogg stream of another codec (Ogg Opus and Ogg Vorbis are supported)`);
  }
  if (raw) return declared;
  // a cut or damaged MP3 may not show two good frames, but still starts with a frame sync
  const first = b.findIndex((x) => x !== 0);
  if (declared === "MP3" && first >= 0 && b[first] === 0xff && ((b[first + 1] ?? 0) & 0xe0) === 0xe0) return "MP3";
  if (b.length < 12) throw new AudioDecodeError(`audio is only ${b.length} bytes: too short to be ${ENCODING_BYTES[declared]}`);
  throw new AudioDecodeError(`declared ${ENCODING_NAME[declared]} but the bytes are not a recognised audio container (they start with ${previewBytes(b)})`);
}

/**
 * A failure of audio decoded as `found` although declared as `declared`, in our words:
 * "declared MP3 but the bytes are a FLAC stream, which could not be decoded: truncated …".
 */
export function mislabelledError(e: unknown, declared: AudioEncoding, found: AudioEncoding): AudioDecodeError {
  const d = asDecodeError(e, `corrupt ${ENCODING_NAME[found]} data`);
  if (declared === found) return d;
  return new AudioDecodeError(`declared ${ENCODING_NAME[declared]} but the bytes are ${ENCODING_BYTES[found]}, which could not be decoded: ${d.message}`, { cause: d });
}

// ---------------------------------------------------------------------------------------- FLAC

export interface FlacInfo {
  sampleRate: number;
  channels: number;
  /** 0 when unknown. */
  totalSamples: number;
}

export function parseFlacStreamInfo(b: Uint8Array): FlacInfo {
  const o = id3v2Length(b) + 4; // after "fLaC"
  if (b.length < o + 4 + 34) throw new AudioDecodeError("truncated FLAC stream: no complete STREAMINFO block");
  const type = b[o]! & 0x7f;
  const len = (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  if (type !== 0 || len !== 34) throw new AudioDecodeError("corrupt FLAC stream: first metadata block is not STREAMINFO");
  const s = o + 4;
  const sampleRate = (b[s + 10]! << 12) | (b[s + 11]! << 4) | (b[s + 12]! >> 4);
  const channels = ((b[s + 12]! >> 1) & 0x07) + 1;
  const totalSamples = (b[s + 13]! & 0x0f) * 2 ** 32 + ((b[s + 14]! << 24) >>> 0) + (b[s + 15]! << 16) + (b[s + 16]! << 8) + b[s + 17]!;
  if (sampleRate === 0) throw new AudioDecodeError("corrupt FLAC stream: sample rate 0 in STREAMINFO");
  return { sampleRate, channels, totalSamples };
}

/**
 * Checks, without decoding, that a FLAC stream ends with a complete frame (its CRC-16 verifies
 * up to the end of the data, or up to a trailing ID3v1 tag) and, when STREAMINFO declares the
 * total, that this last frame ends at sample `totalSamples`. The decoder silently drops a cut
 * last frame, so this is how truncation is caught before anything is decoded.
 */
export function checkFlacEnd(b: Uint8Array): void {
  const start = id3v2Length(b) + 8; // STREAMINFO body
  const maxBlock = (b[start + 2]! << 8) | b[start + 3]!;
  const maxFrame = (b[start + 7]! << 16) | (b[start + 8]! << 8) | b[start + 9]!;
  const total = parseFlacStreamInfo(b).totalSamples;
  let end = b.length;
  if (end >= 128 && ascii(b, end - 128, 3) === "TAG") end -= 128;
  const window = maxFrame > 0 ? maxFrame + 16 : 1 << 20;
  const lowest = Math.max(start + 34, end - window);
  for (let p = end - 6; p >= lowest; p--) {
    if (b[p] !== 0xff || (b[p + 1]! & 0xfe) !== 0xf8) continue;
    const h = flacFrameHeader(b, p);
    if (!h) continue;
    if (crc16(b, p, end) !== 0) continue;
    if (total > 0) {
      const first = h.variable ? h.number : h.number * maxBlock;
      const last = first + h.blockSize;
      if (last < total) throw new AudioDecodeError(`truncated FLAC stream: data ends at sample ${last} of ${total}`);
    }
    return;
  }
  throw new AudioDecodeError("truncated or corrupt FLAC stream: the last frame is incomplete");
}

const CRC8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();
const CRC16 = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x8005 : c << 1;
    t[i] = c & 0xffff;
  }
  return t;
})();

/** CRC-16 (FLAC, poly 0x8005) of b[from, to); 0 over a whole frame including its stored CRC. */
function crc16(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = (CRC16[(c >> 8) ^ b[i]!]! ^ (c << 8)) & 0xffff;
  return c;
}

/** Parses a FLAC frame header at p (checking its CRC-8); undefined when it is not one. */
function flacFrameHeader(b: Uint8Array, p: number): { variable: boolean; number: number; blockSize: number } | undefined {
  if (p + 6 > b.length) return undefined;
  const bs = b[p + 2]! >> 4, sr = b[p + 2]! & 15;
  if (bs === 0 || sr === 15 || b[p + 3]! >> 4 > 10 || b[p + 3]! & 1) return undefined;
  // UTF-8-style coded frame or sample number
  const c0 = b[p + 4]!;
  const extra = c0 < 0x80 ? 0 : c0 < 0xc0 ? -1 : c0 < 0xe0 ? 1 : c0 < 0xf0 ? 2 : c0 < 0xf8 ? 3 : c0 < 0xfc ? 4 : c0 < 0xfe ? 5 : c0 === 0xfe ? 6 : -1;
  if (extra < 0) return undefined;
  let q = p + 5 + extra;
  if (q + 4 > b.length) return undefined;
  let number = extra === 0 ? c0 : c0 & (0x3f >> extra);
  for (let i = 1; i <= extra; i++) {
    const x = b[p + 4 + i]!;
    if ((x & 0xc0) !== 0x80) return undefined;
    number = number * 64 + (x & 0x3f);
  }
  let blockSize: number;
  if (bs === 1) blockSize = 192;
  else if (bs <= 5) blockSize = 576 << (bs - 2);
  else if (bs === 6) blockSize = b[q++]! + 1;
  else if (bs === 7) {
    blockSize = ((b[q]! << 8) | b[q + 1]!) + 1;
    q += 2;
  } else blockSize = 256 << (bs - 8);
  if (sr === 12) q += 1;
  else if (sr === 13 || sr === 14) q += 2;
  if (q >= b.length) return undefined;
  let crc = 0;
  for (let i = p; i < q; i++) crc = CRC8[crc ^ b[i]!]!;
  if (crc !== b[q]) return undefined;
  return { variable: (b[p + 1]! & 1) === 1, number, blockSize };
}

// ----------------------------------------------------------------------------------------- MP3

const MP3_BITRATES: Record<string, number[]> = {
  // [version-group][layer]: kbps by index (0 = free, 15 = bad)
  "1-1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1-2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2-2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  "2-3": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES = [
  [11025, 12000, 8000], // MPEG 2.5
  [0, 0, 0],
  [22050, 24000, 16000], // MPEG 2
  [44100, 48000, 32000], // MPEG 1
];

interface Mp3Frame {
  length: number;
  sampleRate: number;
  samples: number;
}

/** Parses the 4-byte frame header at `o`; undefined when it is not a valid header. */
function mp3Frame(b: Uint8Array, o: number): Mp3Frame | undefined {
  if (o + 4 > b.length) return undefined;
  const h1 = b[o]!, h2 = b[o + 1]!, h3 = b[o + 2]!;
  if (h1 !== 0xff || (h2 & 0xe0) !== 0xe0) return undefined;
  const ver = (h2 >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
  const layerBits = (h2 >> 1) & 3; // 1: III, 2: II, 3: I
  if (ver === 1 || layerBits === 0) return undefined;
  const layer = 4 - layerBits;
  const brIdx = h3 >> 4;
  const srIdx = (h3 >> 2) & 3;
  if (brIdx === 0 || brIdx === 15 || srIdx === 3) return undefined;
  const group = ver === 3 ? "1" : "2";
  const kbps = MP3_BITRATES[`${group}-${layer}`]![brIdx]!;
  const sampleRate = MP3_RATES[ver]![srIdx]!;
  const pad = (h3 >> 1) & 1;
  let length: number;
  let samples: number;
  if (layer === 1) {
    length = (Math.floor((12 * kbps * 1000) / sampleRate) + pad) * 4;
    samples = 384;
  } else if (layer === 2) {
    length = Math.floor((144 * kbps * 1000) / sampleRate) + pad;
    samples = 1152;
  } else {
    const k = ver === 3 ? 144 : 72;
    length = Math.floor((k * kbps * 1000) / sampleRate) + pad;
    samples = ver === 3 ? 1152 : 576;
  }
  if (length < 4) return undefined;
  return { length, sampleRate, samples };
}

/**
 * Offset of the first MP3 frame: right after the ID3v2 tag (zero padding allowed), and it must
 * be followed by a second valid frame. Anything else (junk before the first frame) is refused:
 * it is how a corrupted file start looks.
 */
export function findMp3Start(b: Uint8Array, from: number): number {
  const end = Math.min(b.length - 4, from + 65536);
  for (let o = from; o < end; o++) {
    if (b[o] === 0) continue;
    if (b[o] !== 0xff) return -1;
    const f = mp3Frame(b, o);
    if (!f) continue;
    if (o + f.length === b.length) return o; // a single-frame file
    const g = mp3Frame(b, o + f.length);
    if (g && g.sampleRate === f.sampleRate) return o;
    return -1;
  }
  return -1;
}

/**
 * Walks every MP3 frame. Throws on truncation (last frame cut short) or on garbage between
 * frames; returns the frame count and the number of decoded samples they represent.
 */
export function walkMp3(b: Uint8Array): { frames: number; samples: number; sampleRate: number; channels: number } {
  const start = findMp3Start(b, id3v2Length(b));
  if (start < 0) throw new AudioDecodeError("corrupt MP3: no valid MPEG audio frame found");
  // channel mode of the first frame: 0b11 is mono, anything else carries two channels
  const channels = b[start + 3]! >> 6 === 3 ? 1 : 2;
  let o = start;
  let frames = 0;
  let samples = 0;
  let sampleRate = 0;
  while (o < b.length) {
    const f = mp3Frame(b, o);
    if (!f) {
      const rest = b.length - o;
      const tag = ascii(b, o, 8);
      if (tag.startsWith("TAG") || tag === "APETAGEX" || tag.startsWith("LYRICS") || tag.startsWith("ID3")) break;
      // a few stray bytes of padding at the very end are common; a broken header is not
      if (rest < 4 && frames > 0) break;
      if (rest < 4 || (b[o] === 0xff && (b[o + 1]! & 0xe0) === 0xe0)) {
        throw new AudioDecodeError(`truncated MP3 stream: incomplete frame header at byte ${o}`);
      }
      throw new AudioDecodeError(`corrupt MP3: lost frame sync at byte ${o} of ${b.length}`);
    }
    if (o + f.length > b.length) {
      throw new AudioDecodeError(`truncated MP3 stream: last frame needs ${f.length} bytes, ${b.length - o} present`);
    }
    if (sampleRate === 0) sampleRate = f.sampleRate;
    else if (f.sampleRate !== sampleRate) throw new AudioDecodeError(`corrupt MP3: sample rate changes mid-stream at byte ${o}`);
    frames++;
    samples += f.samples;
    o += f.length;
  }
  const declared = xingFrameCount(b, start);
  if (declared !== undefined && frames < declared) {
    throw new AudioDecodeError(`truncated MP3 stream: ${frames} of ${declared} frames present (per the Xing/Info header)`);
  }
  return { frames, samples, sampleRate, channels };
}

/** Frame count declared by a Xing/Info (LAME) header in the first frame, if any. */
function xingFrameCount(b: Uint8Array, start: number): number | undefined {
  const f = mp3Frame(b, start);
  if (!f) return undefined;
  const end = Math.min(b.length - 12, start + Math.min(f.length, 64));
  for (let o = start + 4; o < end; o++) {
    const tag = ascii(b, o, 4);
    if (tag !== "Xing" && tag !== "Info") continue;
    const flags = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
    if (!(flags & 1)) return undefined;
    return ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0;
  }
  return undefined;
}

// ----------------------------------------------------------------------------------------- Ogg

const OGG_CRC = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** CRC-32 of the Ogg page at `start` (`len` bytes), its own CRC field counted as zero. */
export function oggPageCrc(b: Uint8Array, start: number, len: number): number {
  let crc = 0;
  for (let i = 0; i < len; i++) {
    const p = start + i;
    // the CRC field itself (bytes 22..25) counts as zero
    const v = i >= 22 && i < 26 ? 0 : b[p]!;
    crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) ^ v) & 0xff]!) >>> 0;
  }
  return crc;
}

/**
 * Channel count, output sample rate and pre-skip from the identification header of an Ogg
 * Opus or Vorbis stream (the first packet of the first page). Opus always decodes at 48 kHz.
 */
export function oggCodecInfo(b: Uint8Array, codec: "opus" | "vorbis"): { channels: number; sampleRate: number; preSkip: number } {
  const p = oggFirstPacketStart(b);
  const name = codec === "opus" ? "Ogg Opus" : "Ogg Vorbis";
  if (p < 0 || p + (codec === "opus" ? 19 : 30) > b.length) throw new AudioDecodeError(`truncated ${name} stream: incomplete identification header`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (codec === "opus") return { channels: b[p + 9]!, sampleRate: 48000, preSkip: dv.getUint16(p + 10, true) };
  return { channels: b[p + 11]!, sampleRate: dv.getUint32(p + 12, true), preSkip: 0 };
}

function oggFirstPacketStart(b: Uint8Array): number {
  if (b.length < 27) return -1;
  const nseg = b[26]!;
  const start = 27 + nseg;
  return start < b.length ? start : -1;
}

/**
 * Walks every Ogg page: checks capture patterns and CRCs, and that the stream ends with a
 * complete end-of-stream page. Throws AudioDecodeError describing the first problem.
 */
export function walkOgg(b: Uint8Array, codec: string): { pages: number; lastGranule: number } {
  let o = 0;
  let pages = 0;
  let eos = false;
  let lastGranule = 0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (o < b.length) {
    if (b.length - o < 27) throw new AudioDecodeError(`truncated ${codec} stream: incomplete Ogg page header at byte ${o}`);
    if (b[o] !== 0x4f || b[o + 1] !== 0x67 || b[o + 2] !== 0x67 || b[o + 3] !== 0x53) {
      throw new AudioDecodeError(`corrupt ${codec} stream: lost Ogg page sync at byte ${o}`);
    }
    const nseg = b[o + 26]!;
    if (o + 27 + nseg > b.length) throw new AudioDecodeError(`truncated ${codec} stream: incomplete Ogg segment table at byte ${o}`);
    let body = 0;
    for (let i = 0; i < nseg; i++) body += b[o + 27 + i]!;
    const len = 27 + nseg + body;
    if (o + len > b.length) throw new AudioDecodeError(`truncated ${codec} stream: last Ogg page needs ${len} bytes, ${b.length - o} present`);
    const stored = dv.getUint32(o + 22, true);
    if (oggPageCrc(b, o, len) !== stored) throw new AudioDecodeError(`corrupt ${codec} stream: Ogg page ${pages} fails its CRC check`);
    const flags = b[o + 5]!;
    const granLo = dv.getUint32(o + 6, true);
    const granHi = dv.getInt32(o + 10, true);
    if (granHi !== -1) lastGranule = granHi * 2 ** 32 + granLo;
    if (flags & 0x04) eos = true;
    pages++;
    o += len;
  }
  if (pages === 0) throw new AudioDecodeError(`truncated ${codec} stream: no Ogg pages`);
  if (!eos) throw new AudioDecodeError(`truncated ${codec} stream: missing end-of-stream page`);
  return { pages, lastGranule };
}
