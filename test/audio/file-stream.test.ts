import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AudioDecodeError } from "../../src/analysis/audio/errors.js";
import { openAudioFile } from "../../src/analysis/audio/file-stream.js";
import { openAudioStream, type AudioStream } from "../../src/analysis/audio/stream.js";
import { collectChunks, speechFixtures } from "../helpers/audio.js";

const FX = join(import.meta.dirname, "..", "fixtures");
const meta = { files: speechFixtures() };
const tmp = mkdtempSync(join(tmpdir(), "iag-file-stream-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const collect = collectChunks;

describe("openAudioFile (file-backed stream)", () => {
  for (const e of meta.files) {
    it(`gives the same chunks as openAudioStream: ${e.file}`, async () => {
      const path = join(FX, e.file);
      const opts = { encoding: e.encoding, sampleRate: e.sampleRate, rawChannels: e.channels };
      const fromFile = await openAudioFile(path, opts);
      const fromBytes = await openAudioStream(readFileSync(path), opts);
      expect(fromFile.sampleRate).toBe(fromBytes.sampleRate);
      expect(fromFile.channelCount).toBe(fromBytes.channelCount);
      expect(fromFile.durationHint).toBe(fromBytes.durationHint);
      for (const seconds of [0.37, 10]) expect(await collect(fromFile, seconds)).toEqual(await collect(fromBytes, seconds));
      fromFile.close();
    });
  }

  it("rejects truncated, empty and mis-declared files like openAudioStream", async () => {
    const wav = readFileSync(join(FX, "speech-pcm16-16k.wav"));
    const cut = join(tmp, "cut.wav");
    writeFileSync(cut, wav.subarray(0, wav.length - 1000));
    await expect(openAudioFile(cut, { encoding: "WAV", sampleRate: 16000 })).rejects.toThrow(/truncated WAV/);
    const empty = join(tmp, "empty.wav");
    writeFileSync(empty, Buffer.alloc(0));
    await expect(openAudioFile(empty, { encoding: "WAV", sampleRate: 16000 })).rejects.toThrow(AudioDecodeError);
    const notWav = join(tmp, "raw.wav");
    writeFileSync(notWav, Buffer.alloc(4000, 7));
    await expect(openAudioFile(notWav, { encoding: "WAV", sampleRate: 16000 })).rejects.toThrow(/^declared WAV but the bytes are not a recognised audio container \(they start with 07 07/);
    // a WAV declared as raw is read as the WAV it is; a cut one fails naming both
    const asRaw = await openAudioFile(join(FX, "speech-pcm16-16k.wav"), { encoding: "LINEAR16", sampleRate: 8000 });
    expect(asRaw.sampleRate).toBe(16000);
    asRaw.close();
    await expect(openAudioFile(cut, { encoding: "LINEAR16", sampleRate: 16000 })).rejects.toThrow(/^declared LINEAR16 \(raw\) but the bytes are a WAV file, which could not be decoded: truncated WAV/);
  });

  it("reports NaN samples in float WAV data while streaming", async () => {
    const wav = Buffer.from(readFileSync(join(FX, "speech-float32-8k.wav")));
    const dataAt = wav.indexOf("data") + 8;
    wav.writeFloatLE(NaN, dataAt + 4 * 1000);
    const p = join(tmp, "nan.wav");
    writeFileSync(p, wav);
    const s = await openAudioFile(p, { encoding: "WAV", sampleRate: 8000 });
    await expect(collect(s)).rejects.toThrow(/NaN or infinity/);
  });
});
