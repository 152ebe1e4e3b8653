/**
 * What a chosen file is: its encoding from its bytes (the server's own container sniffing,
 * src/analysis/audio/containers.ts, shared) or, for headerless audio, its extension; its
 * sample rate from the WAV or FLAC header. Anything else is refused here with a message
 * naming the file, before any byte is sent.
 */
import { parseFlacStreamInfo, sniffContainer } from "../../src/analysis/audio/containers";
import { parseWavHeader } from "../../src/analysis/audio/wav";
import type { AudioEncoding } from "./generated/graphql";

export interface AudioDescription {
  encoding: AudioEncoding;
  /** From the header; for raw audio the usual rate of its kind, which the user can change. */
  sampleRate: number;
  /** Headerless: the sample rate is the user's to give. */
  raw: boolean;
  channels?: number;
  /** "WAV, 8000 Hz, stereo" */
  label: string;
}

export class AudioFileError extends Error {}

export const SUPPORTED =
  "WAV, FLAC, MP3, Ogg Opus or Ogg Vorbis files, or headerless 16-bit PCM (.raw, .pcm), µ-law (.ulaw) or A-law (.alaw)";

const RAW_EXTENSIONS: Record<string, AudioEncoding> = {
  raw: "LINEAR16",
  pcm: "LINEAR16",
  s16: "LINEAR16",
  l16: "LINEAR16",
  ul: "MULAW",
  ulaw: "MULAW",
  mulaw: "MULAW",
  mu: "MULAW",
  al: "ALAW",
  alaw: "ALAW",
};

const CONTAINER_EXTENSIONS: Record<string, string> = { wav: "WAV", wave: "WAV", flac: "FLAC", mp3: "MP3", ogg: "Ogg", opus: "Ogg Opus", oga: "Ogg" };

/** The server accepts 8000–48000 Hz; for containers the rate is only a hint, so clamp it. */
const clampRate = (hz: number) => Math.min(48000, Math.max(8000, Math.round(hz)));
const channelWord = (n: number) => (n === 1 ? "mono" : n === 2 ? "stereo" : `${n} channels`);

export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m ? m[1]!.toLowerCase() : "";
}

export function describeAudio(name: string, bytes: Uint8Array): AudioDescription {
  if (bytes.length === 0) throw new AudioFileError(`“${name}” is empty.`);
  const damaged = (what: string, e: unknown) =>
    new AudioFileError(`“${name}” looks like ${what} but is damaged: ${e instanceof Error ? e.message : String(e)}.`);
  const kind = sniffContainer(bytes);
  switch (kind) {
    case "wav": {
      let h;
      try {
        h = parseWavHeader(bytes);
      } catch (e) {
        throw damaged("a WAV file", e);
      }
      return { encoding: "WAV", sampleRate: clampRate(h.sampleRate), raw: false, channels: h.channels, label: `WAV, ${h.sampleRate} Hz, ${channelWord(h.channels)}` };
    }
    case "flac": {
      let h;
      try {
        h = parseFlacStreamInfo(bytes);
      } catch (e) {
        throw damaged("FLAC", e);
      }
      return { encoding: "FLAC", sampleRate: clampRate(h.sampleRate), raw: false, channels: h.channels, label: `FLAC, ${h.sampleRate} Hz, ${channelWord(h.channels)}` };
    }
    case "mp3":
      return { encoding: "MP3", sampleRate: 16000, raw: false, label: "MP3" };
    case "ogg-opus":
      return { encoding: "OGG_OPUS", sampleRate: 48000, raw: false, label: "Ogg Opus" };
    case "ogg-vorbis":
      return { encoding: "OGG_VORBIS", sampleRate: 16000, raw: false, label: "Ogg Vorbis" };
    case "ogg-other":
      throw new AudioFileError(`“${name}” is an Ogg file of a codec this service does not read (only Opus and Vorbis). Supported: ${SUPPORTED}.`);
    case "unknown": {
      const ext = extensionOf(name);
      const raw = RAW_EXTENSIONS[ext];
      if (raw) {
        const sampleRate = raw === "LINEAR16" ? 16000 : 8000;
        return { encoding: raw, sampleRate, raw: true, channels: 1, label: `headerless ${raw === "LINEAR16" ? "16-bit PCM" : raw === "MULAW" ? "µ-law" : "A-law"}, mono` };
      }
      const claimed = CONTAINER_EXTENSIONS[ext];
      if (claimed) throw new AudioFileError(`“${name}” is named like ${claimed} audio, but its contents are not: the file is corrupt or not audio.`);
      throw new AudioFileError(`“${name}” is not an audio file this service can read. Supported: ${SUPPORTED}.`);
    }
  }
}

/** The encoding a URL's path suggests (the page cannot read a remote file's bytes). */
export function encodingFromUrl(url: string): AudioEncoding | undefined {
  let ext: string;
  try {
    ext = extensionOf(new URL(url).pathname);
  } catch {
    return undefined;
  }
  const byExt: Record<string, AudioEncoding> = { wav: "WAV", wave: "WAV", flac: "FLAC", mp3: "MP3", opus: "OGG_OPUS", ogg: "OGG_VORBIS", oga: "OGG_VORBIS" };
  return byExt[ext] ?? RAW_EXTENSIONS[ext];
}
