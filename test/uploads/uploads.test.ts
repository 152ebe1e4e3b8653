import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqliteJobStore } from "../../src/jobs/sqlite/store.js";
import type { SqliteUploadStore } from "../../src/jobs/sqlite/uploads.js";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixture } from "../helpers/audio.js";
import { startTestGateway, tempDataDir } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";
import { CLIENT_SECRET_A, CLIENT_SECRET_B, restSubmit, startReceiver, type Receiver } from "../rest/receiver.js";
import { rmSync } from "node:fs";
import { parseWavHeader } from "../../src/analysis/audio/wav.js";

/** The WAV with its samples repeated `n` times (a longer recording of the same call). */
function repeatWav(wav: Buffer, n: number): Buffer {
  const h = parseWavHeader(wav);
  const head = Buffer.from(wav.subarray(0, h.dataOffset));
  const data = wav.subarray(h.dataOffset, h.dataOffset + h.dataLength);
  head.writeUInt32LE(h.dataLength * n, h.dataOffset - 4);
  head.writeUInt32LE(head.length - 8 + h.dataLength * n, 4);
  return Buffer.concat([head, ...Array.from({ length: n }, () => data)]);
}

// POST /v1/uploads against a real embedded gateway: streamed to DATA_DIR, owned by the key,
// analysed through uploadId, refused mid-stream past MAX_UPLOAD_BYTES, expired by the sweep.
const KEY_A = "upload-key-aaaaaaaa";
const KEY_B = "upload-key-bbbbbbbb";
const MAX = 1024 * 1024;
let gw: Gateway;
let dataDir: string;
let receiver: Receiver;
beforeAll(async () => {
  dataDir = tempDataDir();
  receiver = await startReceiver(CLIENT_SECRET_A);
  gw = await startTestGateway({
    API_KEYS: `${KEY_A}:${CLIENT_SECRET_A},${KEY_B}:${CLIENT_SECRET_B}`,
    HOST: "127.0.0.1",
    TRANSCRIBER: "none",
    MAX_UPLOAD_BYTES: String(MAX),
    DATA_DIR: dataDir,
    ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
  });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const upload = async (body: Buffer, key = KEY_A) => {
  const res = await fetch(`${gw.url}/v1/uploads`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "audio/wav" }, body });
  return { status: res.status, body: (await res.json()) as { uploadId?: string; bytes?: number; format?: string; sha256?: string; error?: { type: string; message: string } } };
};
const uploadFiles = () => readdirSync(join(dataDir, "uploads"));

describe("POST /v1/uploads", () => {
  it("stores the raw body, then submitAnalysis(uploadId) analyses it and the audio stays readable", async () => {
    const wav = readFileSync(fixture("mono-two-voices.wav"));
    const up = await upload(wav);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ bytes: wav.length, format: "wav" });
    expect(up.body.uploadId).toMatch(/^upl_[0-9a-f]{32}$/);
    expect(uploadFiles()).toContain(up.body.uploadId);

    const submitted = await gql(gw.url, SubmitAnalysisDocument, { input: { uploadId: up.body.uploadId, encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_A });
    expect(submitted.errors).toBeUndefined();
    const requestId = submitted.data!.submitAnalysis.requestId;
    const client = wsClient(gw.url, KEY_A);
    const events = await collect(client, AnalysisCompletedDocument, { requestId });
    await client.dispose();
    const done = events.at(-1)!.data!.analysisCompleted;
    expect(done.status).toBe("COMPLETED");
    expect(done.result!.numSpeakers).toBeGreaterThanOrEqual(1);
    expect(done.result!.segments.length).toBeGreaterThan(0);
    // the audio is kept after completion (the results page plays it) until the job expires
    expect((await gw.adapters.store.getAudio(requestId))?.equals(wav)).toBe(true);
    // and the audio route streams it from the stored file, whole or one byte range
    const audioUrl = `${gw.url}/v1/analyses/${requestId}/audio`;
    const whole = await fetch(audioUrl, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("audio/wav");
    expect(whole.headers.get("content-length")).toBe(String(wav.length));
    expect(Buffer.from(await whole.arrayBuffer()).equals(wav)).toBe(true);
    const part = await fetch(audioUrl, { headers: { authorization: `Bearer ${KEY_A}`, range: "bytes=44-1043" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 44-1043/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(wav.subarray(44, 1044))).toBe(true);
    const tail = await fetch(audioUrl, { headers: { authorization: `Bearer ${KEY_A}`, range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(wav.subarray(wav.length - 10))).toBe(true);
    const outside = await fetch(audioUrl, { headers: { authorization: `Bearer ${KEY_A}`, range: `bytes=${wav.length}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe(`bytes */${wav.length}`);
  });

  it("the REST body's upload_id analyses it too, with the signed callback", async () => {
    const up = await upload(readFileSync(fixture("speech-pcm16-16k.wav")));
    const res = await restSubmit(gw.url, { upload_id: up.body.uploadId, encoding: "WAV", sampleRate: 16000 }, { apikey: KEY_A, webhook: receiver.url, request_id: "rest-upload-1" });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const [call] = await receiver.waitFor("rest-upload-1");
    expect(call!.verified).toBe(true);
    expect(call!.body.response).toMatchObject({ num_speakers: expect.any(Number), segments: expect.any(Array) });
    const other = await restSubmit(gw.url, { upload_id: up.body.uploadId, encoding: "WAV", sampleRate: 16000 }, { apikey: KEY_B, webhook: receiver.url });
    expect(other.status).toBe(404);
    expect((other.body as { error: { message: string } }).error.message).toMatch(/^upload_id: no upload/);
  });

  it("refuses another key's upload exactly as a missing one", async () => {
    const up = await upload(readFileSync(fixture("speech-pcm16-16k.wav")));
    const other = await gql(gw.url, SubmitAnalysisDocument, { input: { uploadId: up.body.uploadId, encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_B });
    const missing = await gql(gw.url, SubmitAnalysisDocument, { input: { uploadId: `upl_${"0".repeat(32)}`, encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_B });
    expect(other.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(other.errors![0]!.message.replace(up.body.uploadId!, "ID")).toBe(missing.errors![0]!.message.replace(`upl_${"0".repeat(32)}`, "ID"));
  });

  it("refuses content and uploadId together, and a wrong key before reading", async () => {
    const both = await gql(gw.url, SubmitAnalysisDocument, { input: { uploadId: `upl_${"1".repeat(32)}`, content: "AAAA", encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_A });
    expect(both.errors?.[0]?.message).toMatch(/exactly one of content, url and uploadId/);
    const wrong = await upload(Buffer.alloc(1000), "not-a-key-at-all");
    expect(wrong.status).toBe(401);
  });

  it("answers 413 while a chunked body (no Content-Length) is still streaming, and keeps nothing", async () => {
    const before = uploadFiles().length;
    const piece = Buffer.alloc(64 * 1024, 7);
    const total = 64 * MAX; // far past the limit: the server must answer long before this is sent
    const outcome = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      const req = request(`${gw.url}/v1/uploads`, { method: "POST", headers: { authorization: `Bearer ${KEY_A}`, "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body, sent }));
      });
      req.on("error", reject);
      const pump = () => {
        while (sent < total) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body).error.type).toBe("payload_too_large");
    expect(outcome.sent).toBeLessThan(total);
    expect(uploadFiles().length).toBe(before); // no partial file left behind
  });

  it("the sweep removes expired jobs, uploads and their files", async () => {
    const up = await upload(readFileSync(fixture("speech-pcm16-16k.wav")));
    const submitted = await gql(gw.url, SubmitAnalysisDocument, { input: { uploadId: up.body.uploadId, encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_A });
    const requestId = submitted.data!.submitAnalysis.requestId;
    expect(readdirSync(join(dataDir, "audio")).length).toBeGreaterThan(0);
    const later = Date.now() + 8 * 24 * 3600 * 1000; // past the default 7-day JOB_TTL_SECONDS
    await gw.adapters.queue.close(); // nothing may be running while its files go
    (gw.adapters.store as SqliteJobStore).sweep(later);
    (gw.adapters.uploads as SqliteUploadStore).sweep(later);
    expect(await gw.adapters.store.get(requestId)).toBeUndefined();
    expect(await gw.adapters.uploads.get(up.body.uploadId!)).toBeUndefined();
    expect(readdirSync(join(dataDir, "audio"))).toEqual([]);
    expect(uploadFiles()).toEqual([]);
  });
});

describe("uploads in distributed mode (Redis chunks)", () => {
  it("streams a multi-chunk upload into Redis, and a worker analyses it from a spooled file", async () => {
    const { REDIS_URL, TEST_SECRET, uniquePrefix } = await import("../helpers/gateway.js");
    const d = await startTestGateway({ API_KEYS: KEY_A, HOST: "127.0.0.1", TRANSCRIBER: "none", REDIS_URL, REDIS_PREFIX: uniquePrefix(), WEBHOOK_SECRET: TEST_SECRET });
    try {
      const wav = repeatWav(readFileSync(fixture("stereo-call.wav")), 3);
      expect(wav.length).toBeGreaterThan(1024 * 1024); // more than one 1 MiB chunk
      const res = await fetch(`${d.url}/v1/uploads`, { method: "POST", headers: { "x-api-key": KEY_A }, body: wav });
      expect(res.status).toBe(201);
      const up = (await res.json()) as { uploadId: string; bytes: number };
      expect(up.bytes).toBe(wav.length);
      const submitted = await gql(d.url, SubmitAnalysisDocument, { input: { uploadId: up.uploadId, encoding: "WAV", sampleRate: 8000, separateSpeakerPerChannel: true } }, { apiKey: KEY_A });
      expect(submitted.errors).toBeUndefined();
      const requestId = submitted.data!.submitAnalysis.requestId;
      const client = wsClient(d.url, KEY_A);
      const events = await collect(client, AnalysisCompletedDocument, { requestId });
      await client.dispose();
      expect(events.at(-1)!.data!.analysisCompleted.status).toBe("COMPLETED");
      expect(events.at(-1)!.data!.analysisCompleted.result!.numSpeakers).toBe(2);
      expect((await d.adapters.store.getAudio(requestId))?.equals(wav)).toBe(true);
      // the audio route streams the upload (spooled from Redis), whole or one range
      const audioUrl = `${d.url}/v1/analyses/${requestId}/audio`;
      const whole = await fetch(audioUrl, { headers: { "x-api-key": KEY_A } });
      expect(whole.status).toBe(200);
      expect(Buffer.from(await whole.arrayBuffer()).equals(wav)).toBe(true);
      const from = wav.length - 5000;
      const part = await fetch(audioUrl, { headers: { "x-api-key": KEY_A, range: `bytes=${from}-` } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes ${from}-${wav.length - 1}/${wav.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(wav.subarray(from))).toBe(true);
    } finally {
      await d.close();
    }
  });
});
