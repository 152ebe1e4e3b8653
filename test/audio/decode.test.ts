import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AudioDecodeError, decodeAudio } from "../../src/analysis/audio/decode.js";
import { channelsAreNearlyIdentical, toMono } from "../../src/analysis/audio/channels.js";
import { ALAW_TABLE, MULAW_TABLE } from "../../src/analysis/audio/g711.js";
import type { AudioEncoding } from "../../src/analysis/types.js";
import { speechFixtures } from "../helpers/audio.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const meta = { files: speechFixtures() };
const load = (f: string): Buffer => readFileSync(join(FX, f));

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

async function expectDecodeError(data: Uint8Array, encoding: AudioEncoding, sampleRate: number): Promise<AudioDecodeError> {
  try {
    const d = await decodeAudio(Buffer.from(data), { encoding, sampleRate });
    throw new Error(`expected AudioDecodeError, got ${d.channels.length} ch × ${d.channels[0]?.length} samples`);
  } catch (e) {
    expect(e).toBeInstanceOf(AudioDecodeError);
    expect((e as Error).message.length).toBeGreaterThan(5);
    return e as AudioDecodeError;
  }
}

describe("decodeAudio: every fixture encoding", () => {
  for (const f of meta.files) {
    it(`${f.file} (${f.encoding})`, async () => {
      const d = await decodeAudio(load(f.file), { encoding: f.encoding, sampleRate: f.sampleRate });
      expect(d.channels.length).toBe(f.channels);
      expect(d.sampleRate).toBe(f.sampleRate);
      expect(Math.abs(d.duration - f.duration)).toBeLessThanOrEqual(0.05);
      for (const ch of d.channels) {
        expect(ch.length).toBe(d.channels[0]!.length);
        expect(rms(ch)).toBeGreaterThan(0.02); // clearly not silent
        let peak = 0;
        for (const v of ch) peak = Math.max(peak, Math.abs(v));
        expect(peak).toBeLessThanOrEqual(1.01);
      }
    });
  }

  it("lossless encodings of the same clip agree sample for sample", async () => {
    const ref = (await decodeAudio(load("speech-pcm16-16k.wav"), { encoding: "WAV", sampleRate: 16000 })).channels[0]!;
    for (const [file, enc] of [["speech-pcm24-16k.wav", "WAV"], ["speech-16k.flac", "FLAC"]] as const) {
      const x = (await decodeAudio(load(file), { encoding: enc, sampleRate: 16000 })).channels[0]!;
      expect(x.length).toBe(ref.length);
      let md = 0;
      for (let i = 0; i < x.length; i++) md = Math.max(md, Math.abs(x[i]! - ref[i]!));
      expect(md).toBeLessThan(1e-4);
    }
    const r8 = (await decodeAudio(load("speech-pcm32-8k.wav"), { encoding: "WAV", sampleRate: 8000 })).channels[0]!;
    for (const [file, enc] of [["speech-float32-8k.wav", "WAV"], ["speech-s16le-8k.raw", "LINEAR16"]] as const) {
      const x = (await decodeAudio(load(file), { encoding: enc, sampleRate: 8000 })).channels[0]!;
      let md = 0;
      for (let i = 0; i < x.length; i++) md = Math.max(md, Math.abs(x[i]! - r8[i]!));
      expect(md).toBeLessThan(1e-3);
    }
    // G.711: WAV and raw give identical samples, close to linear
    for (const law of ["mulaw", "alaw"] as const) {
      const w = (await decodeAudio(load(`speech-${law}-8k.wav`), { encoding: "WAV", sampleRate: 8000 })).channels[0]!;
      const r = (await decodeAudio(load(`speech-${law}-8k.raw`), { encoding: law === "mulaw" ? "MULAW" : "ALAW", sampleRate: 8000 })).channels[0]!;
      // (sox dithers each conversion independently, so WAV and raw differ by a step or so)
      let d2 = 0;
      for (let i = 0; i < w.length; i++) d2 += (w[i]! - r[i]!) ** 2;
      expect(Math.sqrt(d2 / w.length)).toBeLessThan(0.003);
      let err = 0;
      for (let i = 0; i < w.length; i++) err += (w[i]! - r8[i]!) ** 2;
      expect(Math.sqrt(err / w.length)).toBeLessThan(0.01);
    }
  });

  it("G.711 tables match the standard end points", () => {
    expect(MULAW_TABLE[0x00]).toBeCloseTo(-32124 / 32768, 6);
    expect(MULAW_TABLE[0x80]).toBeCloseTo(32124 / 32768, 6);
    expect(MULAW_TABLE[0xff]).toBe(0);
    expect(ALAW_TABLE[0xd5]).toBeCloseTo(8 / 32768, 6);
    expect(ALAW_TABLE[0x55]).toBeCloseTo(-8 / 32768, 6);
    expect(ALAW_TABLE[0xaa]).toBeCloseTo(32256 / 32768, 6);
  });

  it("keeps stereo channels separate", async () => {
    const d = await decodeAudio(load("speech-stereo-48k.wav"), { encoding: "WAV", sampleRate: 48000 });
    expect(rms(d.channels[1]!) / rms(d.channels[0]!)).toBeCloseTo(0.5, 2);
    expect(channelsAreNearlyIdentical(d.channels[0]!, d.channels[1]!)).toBe(false);
    const id = await decodeAudio(load("stereo-identical.wav"), { encoding: "WAV", sampleRate: 8000 });
    expect(channelsAreNearlyIdentical(id.channels[0]!, id.channels[1]!)).toBe(true);
    const call = await decodeAudio(load("stereo-call.wav"), { encoding: "WAV", sampleRate: 8000 });
    expect(call.channels.length).toBe(2);
    expect(channelsAreNearlyIdentical(call.channels[0]!, call.channels[1]!)).toBe(false);
    const m = toMono(d.channels);
    expect(m[1000]).toBeCloseTo((d.channels[0]![1000]! + d.channels[1]![1000]!) / 2, 6);
  });

  it("reads raw stereo LINEAR16 when asked for two channels", async () => {
    const raw = new Int16Array([1000, -1000, 2000, -2000]);
    const d = await decodeAudio(Buffer.from(raw.buffer), { encoding: "LINEAR16", sampleRate: 8000, rawChannels: 2 });
    expect(d.channels.length).toBe(2);
    expect(d.channels[0]![1]).toBeCloseTo(2000 / 32768, 6);
    expect(d.channels[1]![1]).toBeCloseTo(-2000 / 32768, 6);
  });
});

// ------------------------------------------------------------------------- WAV header handling

function wavHeader(opts: { format: number; channels: number; rate: number; bits: number; dataSize: number; extensible?: boolean; extraChunk?: number }): Buffer {
  const parts: Buffer[] = [];
  const block = (opts.channels * opts.bits) / 8;
  const fmt = Buffer.alloc(opts.extensible ? 40 : 16);
  fmt.writeUInt16LE(opts.extensible ? 0xfffe : opts.format, 0);
  fmt.writeUInt16LE(opts.channels, 2);
  fmt.writeUInt32LE(opts.rate, 4);
  fmt.writeUInt32LE(opts.rate * block, 8);
  fmt.writeUInt16LE(block, 12);
  fmt.writeUInt16LE(opts.bits, 14);
  if (opts.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(opts.bits, 18);
    fmt.writeUInt32LE(opts.channels === 2 ? 3 : 4, 20);
    fmt.writeUInt16LE(opts.format, 24);
    Buffer.from("000000001000800000aa00389b71", "hex").copy(fmt, 26);
  }
  const chunk = (id: string, body: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.write(id, 0, "ascii");
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  parts.push(chunk("fmt ", fmt));
  if (opts.extraChunk !== undefined) parts.push(chunk("LIST", Buffer.alloc(opts.extraChunk, 0x41)));
  const dataHdr = Buffer.alloc(8);
  dataHdr.write("data", 0, "ascii");
  dataHdr.writeUInt32LE(opts.dataSize >>> 0, 4);
  parts.push(dataHdr);
  const body = Buffer.concat(parts);
  const riff = Buffer.alloc(12);
  riff.write("RIFF", 0, "ascii");
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write("WAVE", 8, "ascii");
  return Buffer.concat([riff, body]);
}

describe("WAV parser", () => {
  const samples = new Int16Array(1600);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin(i / 5));
  const pcm = Buffer.from(samples.buffer);

  it("handles WAVE_FORMAT_EXTENSIBLE and odd-sized chunks", async () => {
    const data = Buffer.concat([wavHeader({ format: 1, channels: 1, rate: 16000, bits: 16, dataSize: pcm.length, extensible: true, extraChunk: 7 }), pcm]);
    const d = await decodeAudio(data, { encoding: "WAV", sampleRate: 16000 });
    expect(d.channels[0]!.length).toBe(1600);
    expect(d.channels[0]![3]).toBeCloseTo(samples[3]! / 32768, 6);
  });

  it("handles streaming headers (data size 0 or 0xFFFFFFFF)", async () => {
    for (const size of [0, 0xffffffff]) {
      const data = Buffer.concat([wavHeader({ format: 1, channels: 1, rate: 8000, bits: 16, dataSize: size }), pcm]);
      const d = await decodeAudio(data, { encoding: "WAV", sampleRate: 8000 });
      expect(d.channels[0]!.length).toBe(1600);
      expect(d.duration).toBeCloseTo(0.2, 6);
    }
  });

  it("rejects broken headers with clear messages", async () => {
    const good = load("speech-pcm16-16k.wav");
    const noRiff = Buffer.from(good);
    noRiff.write("RIFX", 0, "ascii");
    expect((await expectDecodeError(noRiff, "WAV", 16000)).message).toMatch(/^declared WAV but the bytes are not a recognised audio container \(they start with 52 49 46 58 .*"RIFX/);
    const badFormat = Buffer.concat([wavHeader({ format: 0x55, channels: 1, rate: 8000, bits: 16, dataSize: pcm.length }), pcm]);
    expect((await expectDecodeError(badFormat, "WAV", 8000)).message).toMatch(/unsupported WAV format/);
    const badChannels = Buffer.concat([wavHeader({ format: 1, channels: 0, rate: 8000, bits: 16, dataSize: pcm.length }), pcm]);
    await expectDecodeError(badChannels, "WAV", 8000);
    const sixCh = Buffer.concat([wavHeader({ format: 1, channels: 6, rate: 8000, bits: 16, dataSize: pcm.length }), pcm]);
    expect((await expectDecodeError(sixCh, "WAV", 8000)).message).toMatch(/channel count/);
    const noData = wavHeader({ format: 1, channels: 1, rate: 8000, bits: 16, dataSize: 0 });
    expect((await expectDecodeError(noData, "WAV", 8000)).message).toMatch(/no samples/);
    const nan = Buffer.concat([wavHeader({ format: 3, channels: 1, rate: 8000, bits: 32, dataSize: 16 }), Buffer.from(new Float32Array([0, NaN, 0.1, 0]).buffer)]);
    expect((await expectDecodeError(nan, "WAV", 8000)).message).toMatch(/NaN/);
  });
});

// ------------------------------------------------------------- corrupt / truncated / mismatched

describe("decodeAudio: bad input always throws AudioDecodeError", () => {
  for (const f of meta.files) {
    it(`${f.file}: empty, truncated, corrupt`, async () => {
      const good = load(f.file);
      const raw = f.encoding === "LINEAR16" || f.encoding === "MULAW" || f.encoding === "ALAW";
      expect((await expectDecodeError(new Uint8Array(0), f.encoding, f.sampleRate)).message).toMatch(/empty|no samples/);
      if (raw) {
        // headerless data has no structure to check: only the frame size (16-bit) can
        // reveal a cut; a broken container declared as raw fails as that container
        if (f.encoding === "LINEAR16") await expectDecodeError(good.subarray(0, 1001), f.encoding, f.sampleRate);
        const flac = load("speech-16k.flac");
        expect((await expectDecodeError(flac.subarray(0, 5000), f.encoding, f.sampleRate)).message).toMatch(/but the bytes are a FLAC stream, which could not be decoded/);
        await expectDecodeError(good, f.encoding, 0);
        return;
      }
      // truncated anywhere: in the header, and at odd points in the body
      for (const frac of [0.004, 0.03, 0.37, 0.61, 0.93]) {
        const cut = Math.max(1, Math.floor(good.length * frac) | 1);
        await expectDecodeError(good.subarray(0, cut), f.encoding, f.sampleRate);
      }
      // header overwritten with garbage
      const garbled = Buffer.from(good);
      for (let i = 0; i < 64; i++) garbled[i] = (i * 73 + 41) & 0xff;
      await expectDecodeError(garbled, f.encoding, f.sampleRate);
      // random bytes of the right size
      const noise = Buffer.alloc(good.length);
      for (let i = 0, s = 12345; i < noise.length; i++) noise[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
      await expectDecodeError(noise, f.encoding, f.sampleRate);
      if (f.encoding !== "WAV") {
        // a burst of corruption in the middle of a compressed stream (WAV payload is plain
        // samples: corrupting it changes the audio, which no decoder can detect)
        const burst = Buffer.from(good);
        const at = Math.floor(good.length * 0.5);
        for (let i = at; i < Math.min(good.length, at + 400); i++) burst[i] = (i * 151) & 0xff;
        await expectDecodeError(burst, f.encoding, f.sampleRate);
      }
    });
  }

  it("decodes mislabelled audio as what its bytes are: the declared encoding is a hint", async () => {
    const cases: [string, AudioEncoding, AudioEncoding][] = [
      ["speech-16k.flac", "MP3", "FLAC"],
      ["speech-16k.mp3", "FLAC", "MP3"],
      ["speech-16k.opus", "OGG_VORBIS", "OGG_OPUS"],
      ["speech-16k.ogg", "OGG_OPUS", "OGG_VORBIS"],
      ["speech-pcm16-16k.wav", "MP3", "WAV"],
      ["speech-pcm16-16k.wav", "LINEAR16", "WAV"],
      ["speech-16k.flac", "MULAW", "FLAC"],
      ["speech-16k.mp3", "WAV", "MP3"],
    ];
    for (const [file, declared, actual] of cases) {
      const right = await decodeAudio(load(file), { encoding: actual, sampleRate: 16000 });
      const d = await decodeAudio(load(file), { encoding: declared, sampleRate: 8000 });
      expect(d.sampleRate, `${file} as ${declared}`).toBe(right.sampleRate);
      expect(d.channels[0]!.length, `${file} as ${declared}`).toBe(right.channels[0]!.length);
    }
  });

  it("a mislabelled file that does not decode names what was declared and what was found", async () => {
    const flac = load("speech-16k.flac");
    const cut = await expectDecodeError(flac.subarray(0, Math.floor(flac.length * 0.6)), "MP3", 16000);
    expect(cut.message).toMatch(/^declared MP3 but the bytes are a FLAC stream, which could not be decoded: truncated/);
    const wav = Buffer.from(load("speech-pcm16-16k.wav"));
    wav.writeUInt16LE(65535, 22);
    expect((await expectDecodeError(wav, "FLAC", 16000)).message).toBe("declared FLAC but the bytes are a WAV file, which could not be decoded: corrupt WAV header: it claims 65535 channels");
    const junk = Buffer.from("this is a text file, not audio at all, sorry");
    expect((await expectDecodeError(junk, "WAV", 16000)).message).toBe('declared WAV but the bytes are not a recognised audio container (they start with 74 68 69 73 20 69 73 20 … ("this is "))');
    const ogg = Buffer.from(load("speech-16k.opus"));
    ogg.write("Speex   ", ogg.indexOf("OpusHead"), "latin1");
    expect((await expectDecodeError(ogg, "OGG_OPUS", 16000)).message).toMatch(/Ogg stream of another codec/);
    expect((await expectDecodeError(Buffer.from("RIFF"), "WAV", 16000)).message).toMatch(/only 4 bytes: too short to be a WAV file/);
  });

  it("reports absurd WAV headers as corrupt, not as long audio", async () => {
    for (const [offset, value, bytes, message] of [
      [22, 65535, 2, /corrupt WAV header: it claims 65535 channels/],
      [24, 0xfffffff0, 4, /corrupt WAV header: it claims a sample rate of 4294967280 Hz/],
      [34, 4096, 2, /corrupt WAV header: it claims 4096 bits per sample/],
    ] as const) {
      const wav = Buffer.from(load("speech-pcm16-16k.wav"));
      if (bytes === 2) wav.writeUInt16LE(value, offset);
      else wav.writeUInt32LE(value, offset);
      expect((await expectDecodeError(wav, "WAV", 16000)).message).toMatch(message);
    }
  });

});
