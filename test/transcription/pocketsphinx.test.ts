import { describe, expect, it } from "vitest";
import { createTranscriber, pocketsphinxAvailable, PocketsphinxTranscriber, TranscriptionError } from "../../src/analysis/transcription/index.js";
import { parsePocketsphinxOutput } from "../../src/analysis/transcription/pocketsphinx.js";
import { existsSync } from "node:fs";
import { espeak, espeakAvailable, loadAudio16k } from "../../src/analysis/features/audio-io.js";
import { normaliseText, wordEdits } from "../../src/eval/asr.js";

const installed = pocketsphinxAvailable();
const READ = new URL("../../../shared/eval/asr/read/spk1_snt5.wav", import.meta.url).pathname;
if (!installed) console.warn("pocketsphinx tests skipped: install with apt-get install -y pocketsphinx pocketsphinx-en-us");

describe("pocketsphinx output parsing", () => {
  it("drops fillers, normalises variants and applies the offset", () => {
    const out = "the child\n<s> 0.000 0.040 0.998900\nthe 0.050 0.160 0.5\n<sil> 0.17 0.3 0.9\nchild(2) 0.31 0.8 0.75\n[NOISE] 0.8 0.9 1\n</s> 0.9 1.0 1.0\n";
    expect(parsePocketsphinxOutput(out, 2)).toEqual([
      { text: "the", start: 2.05, end: 2.16, confidence: 0.5 },
      { text: "child", start: 2.31, end: 2.8, confidence: 0.75 },
    ]);
  });
  it("a missing binary is a TranscriptionError, not a crash", async () => {
    const tr = new PocketsphinxTranscriber({ binary: "/nonexistent/pocketsphinx_continuous" });
    await expect(tr.transcribe(new Float32Array(16000))).rejects.toBeInstanceOf(TranscriptionError);
  });
});

describe.skipIf(!installed)("pocketsphinx recognizer (installed)", () => {
  it("auto picks pocketsphinx", () => {
    expect(createTranscriber({ kind: "auto" }).name).toBe("pocketsphinx");
  });
  it.skipIf(!espeakAvailable())("returns time-stamped words for synthetic speech", async () => {
    const audio = await espeak("sunday is the best part of the week", { speed: 150 });
    const words = await createTranscriber({ kind: "pocketsphinx" }).transcribe(audio, { offset: 5 });
    expect(words.length).toBeGreaterThan(3);
    for (let i = 0; i < words.length; i++) {
      expect(words[i]!.start).toBeGreaterThanOrEqual(5);
      expect(words[i]!.end).toBeLessThanOrEqual(5 + audio.length / 16000 + 0.05);
      if (i) expect(words[i]!.start).toBeGreaterThanOrEqual(words[i - 1]!.end - 1e-6);
    }
  });
  it.skipIf(!existsSync(READ))("recognises real read speech (../shared/eval/asr)", async () => {
    const { channels } = await loadAudio16k(READ);
    const words = await createTranscriber({ kind: "pocketsphinx" }).transcribe(channels[0]!);
    const ref = normaliseText("sunday is the best part of the week");
    expect(wordEdits(ref, normaliseText(words.map((w) => w.text).join(" "))) / ref.length).toBeLessThan(0.5);
  });
  it("times out cleanly", async () => {
    const tr = new PocketsphinxTranscriber({ timeoutMs: 1 });
    await expect(tr.transcribe(new Float32Array(16000 * 20).map(() => Math.random() * 0.1 - 0.05))).rejects.toThrow(/timed out/);
  });
});
