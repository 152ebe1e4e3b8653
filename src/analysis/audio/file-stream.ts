/**
 * File-backed streaming decode: the same `AudioStream` as openAudioStream (stream.ts), but for
 * a file on disk, so a multi-hour recording never has to be in memory as bytes either.
 *
 *  - WAV (any layout wav.ts accepts, RIFF or RF64) and raw LINEAR16/MULAW/ALAW: the header is
 *    read and validated once; each chunk reads only its own run of bytes from the file.
 *    Float WAV data is checked for NaN/infinity chunk by chunk (an AudioDecodeError mid-stream
 *    rather than up front).
 *  - FLAC, MP3, Ogg Opus/Vorbis (compressed, so small): the file is read into memory and handed
 *    to openAudioStream.
 *
 * Errors are AudioDecodeErrors with the same messages as openAudioStream where they overlap.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import type { AudioEncoding } from "../types.js";
import { AudioDecodeError } from "./errors.js";
import { ALAW_TABLE, MULAW_TABLE, expandG711 } from "./g711.js";
import { deinterleavePcm } from "./pcm.js";
import { guardChunks, openAudioStream, type AudioStream, type OpenAudioOptions } from "./stream.js";
import { findNonFinite, wavLayout } from "./wav.js";
import { mislabelledError, resolveEncoding } from "./containers.js";

/** Headers (everything before the data chunk) larger than this are read the in-memory way. */
const MAX_HEADER_BYTES = 1 << 20;
/** Bytes read to recognise the format (resolveEncoding). */
const SNIFF_BYTES = 64 * 1024;
const DEFAULT_SECONDS = 10;

export interface AudioFileStream extends AudioStream {
  /** Closes the file (also done when a `chunks()` iteration ends). */
  close(): void;
}

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

interface FileLayout {
  sampleRate: number;
  channels: number;
  frameBytes: number;
  /** Byte offset of the first frame and number of whole frames. */
  offset: number;
  frames: number;
  convert(bytes: Uint8Array): Float32Array[];
  float?: "f32" | "f64";
}

function chunkFrames(seconds: number | undefined, sampleRate: number): number {
  const s = seconds ?? DEFAULT_SECONDS;
  if (s === Infinity) return Infinity;
  if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`chunks: seconds must be positive (got ${s})`);
  return Math.max(1, Math.round(s * sampleRate));
}

/**
 * WAV layout from the file's head: find the data chunk, then let wavLayout validate a copy of
 * the header followed by the first data bytes (data size set to 0 = "runs to the end"), and
 * take the true data length from the file.
 */
function wavFileLayout(fd: number, size: number): FileLayout | undefined {
  const head = readAt(fd, 0, Math.min(size, MAX_HEADER_BYTES));
  if (head.length < 12 || (fourcc(head, 0) !== "RIFF" && fourcc(head, 0) !== "RF64") || fourcc(head, 8) !== "WAVE") return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let ds64: number | undefined;
  let pos = 12;
  while (pos + 8 <= head.length) {
    const id = fourcc(head, pos);
    const declared = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "ds64" && declared >= 16 && body + 16 <= head.length) ds64 = Number(dv.getBigUint64(body + 8, true));
    if (id === "data") {
      const synthetic = Buffer.from(head.subarray(0, head.length));
      synthetic.writeUInt32LE(0, pos + 4);
      const l = wavLayout(synthetic); // validates fmt; throws the usual AudioDecodeErrors
      const available = size - body;
      let len = fourcc(head, 0) === "RF64" && declared === 0xffffffff && ds64 !== undefined ? ds64 : declared;
      if (len === 0 || len === 0xffffffff) len = available;
      else if (len > available) throw new AudioDecodeError(`truncated WAV: data chunk declares ${len} bytes but only ${available} are present`);
      len -= len % l.frameBytes;
      if (len === 0) throw new AudioDecodeError("audio contains no samples");
      const float = l.format === "f32" || l.format === "f64" ? l.format : undefined;
      return { sampleRate: l.sampleRate, channels: l.channels, frameBytes: l.frameBytes, offset: body, frames: len / l.frameBytes, convert: l.convert, ...(float ? { float } : {}) };
    }
    pos = body + declared + (declared & 1);
  }
  return undefined; // no data chunk within MAX_HEADER_BYTES (or a broken file): the in-memory path decides
}

function rawFileLayout(size: number, enc: "LINEAR16" | "MULAW" | "ALAW", sampleRate: number, channels: number): FileLayout {
  if (!Number.isFinite(sampleRate) || sampleRate < 4000 || sampleRate > 384000 || Math.floor(sampleRate) !== sampleRate) {
    throw new AudioDecodeError(`raw ${enc} needs a valid sampleRate (got ${sampleRate})`);
  }
  if (channels !== 1 && channels !== 2) throw new AudioDecodeError(`raw ${enc}: unsupported channel count ${channels}`);
  const frameBytes = enc === "LINEAR16" ? 2 * channels : channels;
  if (size % frameBytes !== 0) throw new AudioDecodeError(`truncated ${enc} data: ${size} bytes is not a whole number of ${channels}-channel ${enc === "LINEAR16" ? "16-bit " : ""}frames`);
  const table = enc === "MULAW" ? MULAW_TABLE : ALAW_TABLE;
  const convert = enc === "LINEAR16" ? (x: Uint8Array) => deinterleavePcm(x, channels, "s16") : (x: Uint8Array) => expandG711(x, channels, table);
  return { sampleRate, channels, frameBytes, offset: 0, frames: size / frameBytes, convert };
}

/**
 * Opens an audio file as a stream of native-rate PCM chunks. WAV and raw input are read from
 * disk chunk by chunk; compressed input is read whole (see the module comment).
 */
export async function openAudioFile(path: string, opts: OpenAudioOptions): Promise<AudioFileStream> {
  const fd = openSync(path, "r");
  let closed = false;
  const close = () => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new AudioDecodeError("audio data is empty");
    // the bytes decide the format, as in openAudioStream
    const encoding = resolveEncoding(readAt(fd, 0, Math.min(size, SNIFF_BYTES)), opts.encoding);
    let layout: FileLayout | undefined;
    try {
      if (encoding === "WAV") layout = wavFileLayout(fd, size);
      else if (encoding === "LINEAR16" || encoding === "MULAW" || encoding === "ALAW") layout = rawFileLayout(size, encoding, opts.sampleRate, opts.rawChannels ?? 1);
    } catch (e) {
      throw mislabelledError(e, opts.encoding, encoding);
    }
    if (!layout) {
      // compressed, or a WAV this reader does not handle from its head: the in-memory path
      const data = readFileSync(path);
      close();
      const s = await openAudioStream(data, opts);
      return { ...s, close() {} };
    }
    const l = layout;
    const stream: AudioFileStream = {
      sampleRate: l.sampleRate,
      channelCount: l.channels,
      durationHint: l.frames / l.sampleRate,
      close,
      async *chunks(seconds?: number) {
        if (closed) throw new RangeError("chunks: the file stream is closed");
        const step = chunkFrames(seconds, l.sampleRate);
        for (let f = 0; f < l.frames; f += step) {
          const to = Math.min(l.frames, f + step);
          const bytes = readAt(fd, l.offset + f * l.frameBytes, (to - f) * l.frameBytes);
          if (bytes.length < (to - f) * l.frameBytes) throw new AudioDecodeError("truncated audio: the file ended early (was it changed while being read?)");
          if (l.float) {
            const at = findNonFinite(bytes, l.float);
            if (at >= 0) throw new AudioDecodeError(`corrupt audio: samples contain NaN or infinity (first at sample ${at + (f * l.frameBytes) / (l.float === "f32" ? 4 : 8)})`);
          }
          yield l.convert(bytes);
        }
      },
    };
    return guardChunks(stream, opts.encoding, encoding);
  } catch (e) {
    close();
    throw e;
  }
}
