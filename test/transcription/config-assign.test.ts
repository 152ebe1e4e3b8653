import { describe, expect, it } from "vitest";
import { assignWordsToTurns, createTranscriber, NoneTranscriber, transcriberConfigFromEnv, TranscriptionError } from "../../src/analysis/transcription/index.js";

describe("transcriber configuration", () => {
  it("reads the environment", () => {
    expect(transcriberConfigFromEnv({ TRANSCRIBER: "openai", OPENAI_BASE_URL: "http://x:1", OPENAI_API_KEY: "k", TRANSCRIBER_MODEL: "m" })).toEqual({
      kind: "openai", openaiBaseUrl: "http://x:1", openaiApiKey: "k", model: "m", timeoutMs: undefined,
    });
    expect(transcriberConfigFromEnv({}).kind).toBe("auto");
    expect(() => transcriberConfigFromEnv({ TRANSCRIBER: "whisperx" })).toThrow(TranscriptionError);
  });
  it("builds providers", async () => {
    const none = createTranscriber({ kind: "none" });
    expect(none).toBeInstanceOf(NoneTranscriber);
    expect(await none.transcribe(new Float32Array(16000))).toEqual([]);
    expect(() => createTranscriber({ kind: "openai" })).toThrow(/OPENAI_BASE_URL/);
    expect(["none", "pocketsphinx"]).toContain(createTranscriber({ kind: "auto" }).name);
    expect(createTranscriber({ kind: "auto", pocketsphinxBinary: "/nonexistent" }).name).toBe("none");
  });
});

describe("assignWordsToTurns", () => {
  it("assigns by largest overlap, nearest turn within 0.5 s, drops far words", () => {
    const turns = [
      { speaker: "a", start: 0, end: 2 },
      { speaker: "b", start: 1.8, end: 4 },
      { speaker: "a", start: 6, end: 7 },
    ];
    const r = assignWordsToTurns(
      [
        { text: "hi", start: 0.1, end: 0.4, confidence: 0.8 },
        { text: "there", start: 1.7, end: 2.1, confidence: 0.6 },
        { text: "yes", start: 1.9, end: 2.5 },
        { text: "late", start: 4.2, end: 4.4 },
        { text: "lost", start: 5.0, end: 5.2 },
        { text: "bye", start: 6.1, end: 6.5 },
      ],
      turns,
    );
    expect(r.map((t) => t.text)).toEqual(["hi there", "yes late", "bye"]);
    expect(r[0]!.confidence).toBeCloseTo(0.7, 5);
    expect(r[1]!.confidence).toBeUndefined();
  });
});
