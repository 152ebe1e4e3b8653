import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTranscriber, OpenAITranscriber, TranscriptionError, transcribeTurns } from "../../src/analysis/transcription/index.js";
import { memorySpeechAudio } from "../../src/analysis/features/audio-io.js";

/** A verbose_json body in the format OpenAI's /v1/audio/transcriptions returns. */
const RECORDED = {
  task: "transcribe",
  language: "english",
  duration: 2.0,
  text: "Hello there, how are you?",
  words: [
    { word: "Hello", start: 0.0, end: 0.38 },
    { word: "there,", start: 0.38, end: 0.7 },
    { word: "how", start: 0.9, end: 1.1 },
    { word: "are", start: 1.1, end: 1.3 },
    { word: "you?", start: 1.3, end: 1.72 },
  ],
  segments: [
    { id: 0, seek: 0, start: 0.0, end: 1.72, text: " Hello there, how are you?", tokens: [50364, 2425], temperature: 0.0, avg_logprob: -0.21, compression_ratio: 0.8, no_speech_prob: 0.01 },
  ],
};
const SEGMENTS_ONLY = {
  text: "one two three four",
  segments: [{ id: 0, start: 1.0, end: 3.0, text: " one two three four", avg_logprob: -0.1 }],
};

interface Received {
  method: string;
  url: string;
  auth?: string;
  fields: Record<string, string[]>;
  file?: { name: string; type: string; bytes: Buffer };
}

async function readForm(req: IncomingMessage): Promise<Received> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const form = await new Response(body, { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
  const fields: Record<string, string[]> = {};
  let file: Received["file"];
  for (const [k, v] of form.entries()) {
    if (typeof v === "string") (fields[k] ??= []).push(v);
    else file = { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
  }
  return { method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization, fields, file };
}

let server: Server;
let base = "";
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      if (req.url?.startsWith("/hang")) return; // never answers
      const r = await readForm(req);
      received.push(r);
      if (r.url === "/broken/v1/audio/transcriptions") {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "model exploded" } }));
      } else if (r.url === "/html/v1/audio/transcriptions") {
        res.writeHead(200, { "content-type": "text/html" }).end("<html>hi</html>");
      } else if (r.url === "/segments/v1/audio/transcriptions") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(SEGMENTS_ONLY));
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(RECORDED));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const tone = (seconds: number) => Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16000));

describe("openai provider against a real HTTP server", () => {
  it("sends a proper multipart request and parses word timestamps", async () => {
    received.length = 0;
    const tr = createTranscriber({ kind: "openai", openaiBaseUrl: base + "/v1/", openaiApiKey: "sk-test", model: "whisper-large-v3" });
    expect(tr.name).toBe("openai");
    const words = await tr.transcribe(tone(2), { offset: 10, languageCode: "en-US" });
    expect(words.map((w) => w.text)).toEqual(["Hello", "there,", "how", "are", "you?"]);
    expect(words[0]).toEqual({ text: "Hello", start: 10, end: 10.38 });
    const r = received[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/v1/audio/transcriptions");
    expect(r.auth).toBe("Bearer sk-test");
    expect(r.fields.model).toEqual(["whisper-large-v3"]);
    expect(r.fields.response_format).toEqual(["verbose_json"]);
    expect(r.fields["timestamp_granularities[]"]).toContain("word");
    expect(r.fields.language).toEqual(["en"]);
    const f = r.file!;
    expect(f.name).toBe("audio.wav");
    expect(f.bytes.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(f.bytes.subarray(8, 12).toString("ascii")).toBe("WAVE");
    expect(f.bytes.readUInt16LE(22)).toBe(1); // mono
    expect(f.bytes.readUInt32LE(24)).toBe(16000);
    expect(f.bytes.readUInt16LE(34)).toBe(16);
    expect(f.bytes.length).toBe(44 + 2 * 32000);
  });

  it("falls back to segments when there are no word timestamps", async () => {
    const tr = new OpenAITranscriber({ baseUrl: base + "/segments", model: "m" });
    const words = await tr.transcribe(tone(1));
    expect(words.map((w) => w.text)).toEqual(["one", "two", "three", "four"]);
    expect(words[1]!.start).toBeCloseTo(1.5, 5);
    expect(words[3]!.end).toBeCloseTo(3.0, 5);
    expect(words[0]!.confidence).toBeCloseTo(Math.exp(-0.1), 5);
  });

  it("transcribes per turn with the turn's offset", async () => {
    const audio = memorySpeechAudio(tone(6));
    const tr = new OpenAITranscriber({ baseUrl: base, model: "m" });
    const words = await transcribeTurns(tr, audio, [{ speaker: "a", start: 1, end: 3 }, { speaker: "b", start: 4, end: 6 }]);
    expect(words).toHaveLength(10);
    expect(words[0]!.start).toBeCloseTo(1, 5);
    expect(words[5]!.start).toBeCloseTo(4, 5);
  });

  it("fails with a TranscriptionError on HTTP errors, non-JSON answers, timeouts and refused connections", async () => {
    await expect(new OpenAITranscriber({ baseUrl: base + "/broken", model: "m" }).transcribe(tone(1))).rejects.toThrow(/HTTP 500.*model exploded/);
    await expect(new OpenAITranscriber({ baseUrl: base + "/html", model: "m" }).transcribe(tone(1))).rejects.toBeInstanceOf(TranscriptionError);
    await expect(new OpenAITranscriber({ baseUrl: base + "/hang", model: "m", timeoutMs: 300 }).transcribe(tone(1))).rejects.toThrow(/timed out/);
    await expect(new OpenAITranscriber({ baseUrl: "http://127.0.0.1:9", model: "m" }).transcribe(tone(1))).rejects.toBeInstanceOf(TranscriptionError);
  });
});
