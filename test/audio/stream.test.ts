import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import decodeWhole from "audio-decode";
import { AudioDecodeError, decodeAudio } from "../../src/analysis/audio/decode.js";
import { openAudioStream, type AudioStream, type OpenAudioOptions } from "../../src/analysis/audio/stream.js";
import type { AudioEncoding } from "../../src/analysis/types.js";
import { collectChunks, speechFixtures } from "../helpers/audio.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const meta = { files: speechFixtures() };
const load = (f: string): Buffer => readFileSync(join(FX, f));
const COMPRESSED = new Set<AudioEncoding>(["FLAC", "MP3", "OGG_OPUS", "OGG_VORBIS"]);

const collect = collectChunks;

function concat(parts: Float32Array[][], channels: number): Float32Array[] {
  const n = parts.reduce((s, p) => s + p[0]!.length, 0);
  return Array.from({ length: channels }, (_, c) => {
    const o = new Float32Array(n);
    let at = 0;
    for (const p of parts) {
      o.set(p[c]!, at);
      at += p[c]!.length;
    }
    return o;
  });
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Where a stream of bad input fails: "open" (before any chunk), "iterate", or "none". */
async function failure(data: Uint8Array, opts: OpenAudioOptions): Promise<{ at: "open" | "iterate" | "none"; error?: unknown }> {
  let s: AudioStream;
  try {
    s = await openAudioStream(data, opts);
  } catch (e) {
    return { at: "open", error: e };
  }
  try {
    await collect(s, 0.25);
  } catch (e) {
    return { at: "iterate", error: e };
  }
  return { at: "none" };
}

async function expectStreamError(data: Uint8Array, opts: OpenAudioOptions): Promise<"open" | "iterate"> {
  const f = await failure(data, opts);
  if (f.at === "none") throw new Error(`expected AudioDecodeError for ${opts.encoding}, the stream decoded`);
  expect(f.error).toBeInstanceOf(AudioDecodeError);
  expect((f.error as Error).message.length).toBeGreaterThan(5);
  return f.at;
}

describe("openAudioStream: every fixture", () => {
  for (const f of meta.files) {
    it(`${f.file} (${f.encoding}): chunks concatenate to decodeAudio's output`, async () => {
      const data = load(f.file);
      const whole = await decodeAudio(data, { encoding: f.encoding, sampleRate: f.sampleRate });
      const s = await openAudioStream(data, { encoding: f.encoding, sampleRate: f.sampleRate });
      expect(s.sampleRate).toBe(whole.sampleRate);
      expect(s.channelCount).toBe(whole.channels.length);
      expect(s.channelCount).toBe(f.channels);
      expect(s.durationHint).toBeDefined();
      // MP3 headers count encoder delay/padding frames: the hint is an estimate
      expect(Math.abs(s.durationHint! - whole.duration)).toBeLessThan(COMPRESSED.has(f.encoding) ? 0.2 : 1e-9);

      for (const seconds of [0.1, 0.25, 10]) {
        const parts = await collect(s, seconds);
        const step = Math.round(seconds * s.sampleRate);
        const n = whole.channels[0]!.length;
        expect(parts.length).toBe(Math.ceil(n / step));
        parts.forEach((p, i) => {
          expect(p.length).toBe(s.channelCount);
          for (const ch of p) expect(ch.length).toBe(i < parts.length - 1 ? step : n - step * (parts.length - 1));
        });
        const joined = concat(parts, s.channelCount);
        for (let c = 0; c < s.channelCount; c++) {
          expect(joined[c]!.length).toBe(n);
          expect(maxDiff(joined[c]!, whole.channels[c]!)).toBe(0);
        }
      }
    });
  }

  it("compressed: decoding fed in small pieces equals audio-decode's whole-file decode", async () => {
    for (const f of meta.files.filter((x) => COMPRESSED.has(x.encoding))) {
      const data = load(f.file);
      const ref = await decodeWhole(new Uint8Array(data));
      for (const feedBytes of [517, 4096]) {
        const s = await openAudioStream(data, { encoding: f.encoding, sampleRate: f.sampleRate, feedBytes });
        const parts = await collect(s, 0.2);
        const joined = concat(parts, s.channelCount);
        expect(joined[0]!.length, `${f.file} fed ${feedBytes} B`).toBe(ref.channelData[0]!.length);
        for (let c = 0; c < s.channelCount; c++) expect(maxDiff(joined[c]!, ref.channelData[c]!)).toBeLessThan(1e-6);
      }
    }
  });

  it("chunks() can be called again, and stopping early releases the decoder cleanly", async () => {
    for (const f of meta.files) {
      const s = await openAudioStream(load(f.file), { encoding: f.encoding, sampleRate: f.sampleRate, feedBytes: 1024 });
      for await (const c of s.chunks(0.1)) {
        expect(c[0]!.length).toBeGreaterThan(0);
        break; // the generator's finally frees the decoder
      }
      const a = concat(await collect(s, 0.3), s.channelCount);
      const b = concat(await collect(s, 1), s.channelCount);
      expect(maxDiff(a[0]!, b[0]!)).toBe(0);
    }
  });

  it("reads raw stereo LINEAR16 in chunks", async () => {
    const raw = new Int16Array(2 * 8000 * 3);
    for (let i = 0; i < raw.length / 2; i++) {
      raw[2 * i] = i % 1000;
      raw[2 * i + 1] = -(i % 700);
    }
    const s = await openAudioStream(new Uint8Array(raw.buffer), { encoding: "LINEAR16", sampleRate: 8000, rawChannels: 2 });
    expect(s.channelCount).toBe(2);
    expect(s.durationHint).toBe(3);
    const parts = await collect(s, 1);
    expect(parts.map((p) => p[0]!.length)).toEqual([8000, 8000, 8000]);
    expect(parts[2]![0]![5]).toBeCloseTo((16005 % 1000) / 32768, 6);
    expect(parts[2]![1]![5]).toBeCloseTo(-(16005 % 700) / 32768, 6);
  });

  it("rejects a bad chunk length", async () => {
    const s = await openAudioStream(load("speech-pcm16-16k.wav"), { encoding: "WAV", sampleRate: 16000 });
    await expect(collect(s, 0)).rejects.toThrow(RangeError);
    await expect(collect(s, -1)).rejects.toThrow(RangeError);
  });
});

// ------------------------------------------------------------- corrupt / truncated / mismatched

describe("openAudioStream: bad input throws AudioDecodeError", () => {
  for (const f of meta.files) {
    it(`${f.file}: empty, truncated, corrupt`, async () => {
      const good = load(f.file);
      const opts = { encoding: f.encoding, sampleRate: f.sampleRate };
      const raw = f.encoding === "LINEAR16" || f.encoding === "MULAW" || f.encoding === "ALAW";
      const empty = await failure(new Uint8Array(0), opts);
      expect(empty.at).toBe("open");
      expect((empty.error as Error).message).toBe("audio data is empty");
      if (raw) {
        if (f.encoding === "LINEAR16") expect(await expectStreamError(good.subarray(0, 1001), opts)).toBe("open");
        // container bytes declared as raw decode as the container; broken ones fail as it
        expect(await expectStreamError(load("speech-16k.flac").subarray(0, 5000), opts)).toBe("open");
        expect(await expectStreamError(good, { ...opts, sampleRate: 0 })).toBe("open");
        return;
      }
      // small feeds make the compressed decoders work through the data in many steps
      const small = { ...opts, feedBytes: 1024 };
      for (const frac of [0.004, 0.03, 0.37, 0.61, 0.93]) {
        const cut = Math.max(1, Math.floor(good.length * frac) | 1);
        // truncation is caught by the structural checks, before any chunk
        expect(await expectStreamError(good.subarray(0, cut), small), `${f.file} cut at ${cut}`).toBe("open");
      }
      const garbled = Buffer.from(good);
      for (let i = 0; i < 64; i++) garbled[i] = (i * 73 + 41) & 0xff;
      expect(await expectStreamError(garbled, small)).toBe("open");
      const noise = Buffer.alloc(good.length);
      for (let i = 0, s = 12345; i < noise.length; i++) noise[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
      expect(await expectStreamError(noise, small)).toBe("open");
      if (f.encoding !== "WAV") {
        // a burst of corruption in the middle of a compressed stream: Ogg CRCs and MP3 frame
        // sync catch it up front; FLAC frames only show it when decoded
        const burst = Buffer.from(good);
        const at = Math.floor(good.length * 0.5);
        for (let i = at; i < Math.min(good.length, at + 400); i++) burst[i] = (i * 151) & 0xff;
        const where = await expectStreamError(burst, small);
        if (f.encoding !== "FLAC") expect(where).toBe("open");
      }
    });
  }

  it("zero samples and NaN samples", async () => {
    const hdr = (format: number, bits: number, dataSize: number): Buffer => {
      const h = Buffer.alloc(44);
      h.write("RIFF", 0, "ascii");
      h.writeUInt32LE(36 + dataSize, 4);
      h.write("WAVEfmt ", 8, "ascii");
      h.writeUInt32LE(16, 16);
      h.writeUInt16LE(format, 20);
      h.writeUInt16LE(1, 22);
      h.writeUInt32LE(8000, 24);
      h.writeUInt32LE((8000 * bits) / 8, 28);
      h.writeUInt16LE(bits / 8, 32);
      h.writeUInt16LE(bits, 34);
      h.write("data", 36, "ascii");
      h.writeUInt32LE(dataSize, 40);
      return h;
    };
    const none = await failure(hdr(1, 16, 0), { encoding: "WAV", sampleRate: 8000 });
    expect(none.at).toBe("open");
    expect((none.error as Error).message).toBe("audio contains no samples");
    // a NaN deep inside float data is found before the first chunk
    const samples = new Float32Array(8000 * 30).fill(0.1);
    samples[8000 * 25] = NaN;
    const nan = await failure(Buffer.concat([hdr(3, 32, samples.byteLength), Buffer.from(samples.buffer)]), { encoding: "WAV", sampleRate: 8000 });
    expect(nan.at).toBe("open");
    expect((nan.error as Error).message).toMatch(/NaN/);
    const d = new Float64Array(100).fill(0.1);
    d[77] = -Infinity;
    const inf = await failure(Buffer.concat([hdr(3, 64, d.byteLength), Buffer.from(d.buffer)]), { encoding: "WAV", sampleRate: 8000 });
    expect((inf.error as Error).message).toMatch(/infinity/);
  });

  it("streams mislabelled audio as what its bytes are, and names both when that fails", async () => {
    const cases: [string, AudioEncoding][] = [
      ["speech-16k.flac", "MP3"],
      ["speech-16k.mp3", "FLAC"],
      ["speech-16k.opus", "OGG_VORBIS"],
      ["speech-16k.ogg", "OGG_OPUS"],
      ["speech-pcm16-16k.wav", "MP3"],
      ["speech-16k.mp3", "WAV"],
    ];
    for (const [file, enc] of cases) {
      const f = await failure(load(file), { encoding: enc, sampleRate: 16000 });
      expect(f.at, `${file} declared ${enc}: ${String(f.error)}`).toBe("none");
    }
    const burst = Buffer.from(load("speech-16k.ogg"));
    for (let i = 6000; i < 6400; i++) burst[i] = (i * 151) & 0xff;
    const f = await failure(burst, { encoding: "OGG_OPUS", sampleRate: 16000 });
    expect((f.error as Error).message).toMatch(/^declared Ogg Opus but the bytes are an Ogg Vorbis stream, which could not be decoded: corrupt Ogg Vorbis stream/);
  });

});

// -------------------------------------------------------------------------------------- memory

/** A callable gc even without --expose-gc (V8 flag set at run time, taken from a fresh context). */
function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function syntheticStereoWav(seconds: number, rate: number): Buffer {
  const frames = seconds * rate;
  const buf = Buffer.alloc(44 + frames * 4);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + frames * 4, 4);
  buf.write("WAVEfmt ", 8, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 4, 28);
  buf.writeUInt16LE(4, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(frames * 4, 40);
  const pcm = new Int16Array(buf.buffer, buf.byteOffset + 44, frames * 2);
  let seed = 1;
  for (let i = 0; i < frames; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    pcm[2 * i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    pcm[2 * i + 1] = (seed >>> 16) - 32768 >> 3; // noise
  }
  return buf;
}

describe("openAudioStream: memory stays bounded", () => {
  it("iterates a 20-minute 8 kHz stereo WAV in 10 s chunks without holding the decoded audio", async () => {
    const gc = getGc();
    const rate = 8000;
    const seconds = 20 * 60;
    const wav = syntheticStereoWav(seconds, rate);
    const decodedBytes = seconds * rate * 2 * 4; // 76.8 MB if it were decoded at once
    gc();
    const base = process.memoryUsage();
    let peakArrayBuffers = 0;
    let peakRss = 0;
    let retainedAfterGc = 0;
    let liveAtCheckpoints = 0;
    let frames = 0;
    let chunks = 0;
    let sum = 0;
    const refs: WeakRef<Float32Array>[] = [];
    const s = await openAudioStream(wav, { encoding: "WAV", sampleRate: rate });
    expect(s.durationHint).toBe(seconds);
    for await (const c of s.chunks(10)) {
      expect(c[0]!.length).toBe(10 * rate);
      frames += c[0]!.length;
      sum += c[0]![123]! + c[1]![456]!;
      refs.push(new WeakRef(c[0]!), new WeakRef(c[1]!));
      const m = process.memoryUsage();
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers - base.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss - base.rss);
      if (++chunks % 20 === 0) {
        // WeakRef targets stay alive until the current job ends: end it before collecting
        await new Promise((r) => setImmediate(r));
        gc();
        retainedAfterGc = Math.max(retainedAfterGc, process.memoryUsage().arrayBuffers - base.arrayBuffers);
        // chunks yielded before the one in hand must all be collectable by now
        liveAtCheckpoints = Math.max(liveAtCheckpoints, refs.slice(0, -2).filter((r) => r.deref() !== undefined).length);
      }
    }
    expect(frames).toBe(seconds * rate);
    expect(Number.isFinite(sum)).toBe(true);
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    // nothing the stream yielded is kept alive by the stream (the last chunk may still sit in
    // this function's frame)
    const alive = refs.slice(0, -2).filter((r) => r.deref() !== undefined).length;
    expect(alive).toBe(0);
    // during the iteration too, after a collection no earlier chunk is alive. (Counted with
    // WeakRefs: process.memoryUsage().arrayBuffers lags behind V8's background freeing of
    // backing stores on a loaded machine, so it is reported below, not asserted.)
    expect(liveAtCheckpoints).toBe(0);
    // without forced collections garbage piles up a little, but nowhere near the decoded size
    expect(peakArrayBuffers).toBeLessThan(decodedBytes / 3);
    expect(peakRss).toBeLessThan(100 * 1024 * 1024);
    console.log(
      `20 min 8 kHz stereo WAV (${(wav.length / 1e6).toFixed(1)} MB) in 10 s chunks: ` +
        `peak arrayBuffers +${(peakArrayBuffers / 1e6).toFixed(1)} MB, live after gc +${(retainedAfterGc / 1e6).toFixed(2)} MB, ` +
        `peak rss +${(peakRss / 1e6).toFixed(1)} MB (decoding at once would hold ${(decodedBytes / 1e6).toFixed(1)} MB)`,
    );
  });
});
