/**
 * GET /v1/analyses/:requestId/audio: the owner gets the submitted audio back while the job is
 * kept (also after it completed), byte ranges for seeking, raw PCM and G.711 wrapped into a
 * playable WAV, and every other caller the same answer as for a job that does not exist.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALAW_TABLE, MULAW_TABLE } from "../../src/analysis/audio/g711.js";
import { decodeWav } from "../../src/analysis/audio/wav.js";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixture } from "../helpers/audio.js";
import { startTestGateway } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";

interface RestError {
  error: { type: string; message: string };
}

const A = "audio-owner-key-0123456789";
const B = "audio-other-key-0123456789";
let gw: Gateway;
let files: Server;

const audioUrl = (id: string) => `${gw.url}/v1/analyses/${encodeURIComponent(id)}/audio`;
const get = (id: string, key?: string, headers: Record<string, string> = {}) =>
  fetch(audioUrl(id), { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });

async function submit(file: string, encoding: "WAV" | "LINEAR16" | "MULAW" | "ALAW", sampleRate: number, requestId: string) {
  const s = await gql(gw.url, SubmitAnalysisDocument, { input: { content: readFileSync(fixture(file)).toString("base64"), encoding, sampleRate, requestId } }, { apiKey: A });
  expect(s.errors).toBeUndefined();
  return s.data!.submitAnalysis.requestId;
}

beforeAll(async () => {
  files = createServer((_req, res) => res.end(readFileSync(fixture("speech-pcm16-16k.wav"))));
  await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
  gw = await startTestGateway({ API_KEYS: `${A},${B}`, TRANSCRIBER: "none", ALLOWED_OUTBOUND_HOSTS: "127.0.0.1" });
});
afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => files?.close(() => r()));
});

describe("audio of an analysis", () => {
  it("is served to its owner after the job completed, and to nobody else", async () => {
    const wav = readFileSync(fixture("stereo-call.wav"));
    const id = await submit("stereo-call.wav", "WAV", 8000, "audio-stereo");
    const client = wsClient(gw.url, A);
    const [done] = await collect(client, AnalysisCompletedDocument, { requestId: id });
    await client.dispose();
    expect(done!.data!.analysisCompleted.status).toBe("COMPLETED");

    const res = await get(id, A);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/wav");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect(Buffer.from(await res.arrayBuffer()).equals(wav)).toBe(true);
    // the key may also come as x-api-key, as for every other read
    expect((await get(id, undefined, { "x-api-key": A })).status).toBe(200);

    const other = await get(id, B);
    expect(other.status).toBe(404);
    const unknown = await get("no-such-job", A);
    expect(unknown.status).toBe(404);
    expect(await other.json()).toEqual({ error: { type: "not_found", message: `requestId: no analysis "${id}" for this API key` } });
    const anonymous = await get(id);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as RestError).error.type).toBe("unauthorized");
    expect((await get(id, "not-a-key-0123456789")).status).toBe(401);
  });

  it("serves byte ranges, so a player can seek", async () => {
    const wav = readFileSync(fixture("stereo-call.wav"));
    const id = "audio-stereo";
    const part = await get(id, A, { range: "bytes=100-1099" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-1099/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(wav.subarray(100, 1100))).toBe(true);
    const tail = await get(id, A, { range: "bytes=-10" });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(wav.subarray(wav.length - 10))).toBe(true);
    const outside = await get(id, A, { range: `bytes=${wav.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe(`bytes */${wav.length}`);
    const malformed = await get(id, A, { range: "pages=1-2" });
    expect(malformed.status).toBe(200);
    expect(Number(malformed.headers.get("content-length"))).toBe(wav.length);
  });

  it("wraps raw LINEAR16, µ-law and A-law into a 16-bit WAV at the declared rate", async () => {
    const raw = readFileSync(fixture("speech-s16le-8k.raw"));
    const pcm = await get(await submit("speech-s16le-8k.raw", "LINEAR16", 8000, "audio-raw16"), A);
    expect(pcm.status).toBe(200);
    expect(pcm.headers.get("content-type")).toBe("audio/wav");
    const body = Buffer.from(await pcm.arrayBuffer());
    expect(body.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(body.readUInt32LE(24)).toBe(8000);
    expect(body.readUInt16LE(22)).toBe(1);
    expect(body.subarray(44).equals(raw)).toBe(true);

    // G.711 expanded to 16-bit PCM: each byte's G.711 value, and the same speech as the
    // fixture's own µ-law / A-law WAV (encoded separately, so within one G.711 step of it)
    for (const [kind, encoding, table] of [["mulaw", "MULAW", MULAW_TABLE], ["alaw", "ALAW", ALAW_TABLE]] as const) {
      const bytes = readFileSync(fixture(`speech-${kind}-8k.raw`));
      const res = await get(await submit(`speech-${kind}-8k.raw`, encoding, 8000, `audio-${kind}`), A);
      const wrapped = decodeWav(new Uint8Array(await res.arrayBuffer()));
      const reference = decodeWav(readFileSync(fixture(`speech-${kind}-8k.wav`)));
      expect(wrapped.sampleRate).toBe(8000);
      const [got, want] = [wrapped.channels[0]!, reference.channels[0]!];
      expect(got.length).toBe(bytes.length);
      expect(got.length).toBe(want.length);
      let fromTable = 0;
      let fromReference = 0;
      for (let i = 0; i < got.length; i++) {
        fromTable = Math.max(fromTable, Math.abs(got[i]! - table[bytes[i]!]!));
        fromReference = Math.max(fromReference, Math.abs(got[i]! - want[i]!));
      }
      expect(fromTable).toBeLessThanOrEqual(1 / 32767); // 16-bit rounding only
      expect(fromReference).toBeLessThan(0.02);
    }
  });

  it("is not kept for a job submitted by URL", async () => {
    const { port } = files.address() as AddressInfo;
    const s = await gql(gw.url, SubmitAnalysisDocument, { input: { url: `http://127.0.0.1:${port}/clip.wav`, encoding: "WAV", sampleRate: 16000 } }, { apiKey: A });
    expect(s.errors).toBeUndefined();
    const res = await get(s.data!.submitAnalysis.requestId, A);
    expect(res.status).toBe(404);
    expect(((await res.json()) as RestError).error.message).toMatch(/not kept: it was submitted by URL/);
  });
});
