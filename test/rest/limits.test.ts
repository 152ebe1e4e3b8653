import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRateLimiter } from "../../src/http/limits.js";
import type { Gateway } from "../../src/server.js";
import { probeAudio } from "../../src/worker/processor.js";
import { AnalysisCompletedDocument, GetAnalysisDocument, ListAnalysesDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixture, fixtureBase64, fixtureJson } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";
import { CLIENT_SECRET_A, KEY_A, KEY_B, restStatus, restSubmit } from "./receiver.js";

const keys = `${KEY_A}:${CLIENT_SECRET_A},${KEY_B}`;
const input = { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV" as const, sampleRate: 16000 };

async function rawGraphql(url: string, query: string, apiKey = KEY_A, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

describe("rate limits shared by replicas through Redis", () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    const env = { API_KEYS: keys, HOST: "127.0.0.1", RUN_WORKER: "false", REDIS_URL, REDIS_PREFIX: uniquePrefix(), WEBHOOK_SECRET: TEST_SECRET, RATE_LIMIT_PER_MINUTE: "6", SUBMIT_RATE_LIMIT_PER_MINUTE: "2" };
    a = await startTestGateway(env);
    b = await startTestGateway(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("counts a key's requests on every replica together and answers 429 with Retry-After past the limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await restStatus(i % 2 ? a.url : b.url, "x", KEY_B)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404]);
    const over = await fetch(`${a.url}/transaction/generic/api/v1/async/status?request_id=x&apikey=${KEY_B}`);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await over.json()) as { error: { type: string } }).error.type).toBe("rate_limited");
    const gqlOver = await rawGraphql(b.url, "{ analyses(first: 1) { totalCount } }", KEY_B);
    expect(gqlOver.status).toBe(429);
    expect(gqlOver.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    // another key has its own budget
    expect((await restStatus(a.url, "x", KEY_A)).status).toBe(404);
  });

  it("limits submissions separately, counting every submitAnalysis of an aliased mutation", async () => {
    const twoAtOnce = `mutation($i: SubmitAnalysisInput!) { one: submitAnalysis(input: $i) { requestId } two: submitAnalysis(input: $i) { requestId } }`;
    const ok = await rawGraphql(a.url, twoAtOnce, KEY_A, { i: input });
    expect(ok.status).toBe(200);
    const over = await restSubmit(b.url, input, { apikey: KEY_A, webhook: "https://example.com/hook" });
    expect(over.status).toBe(429);
    expect(over.body.error?.message).toMatch(/at most 2 submissions per minute/);
  });

  it("keeps limiting per process when Redis cannot be reached", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
    dead.on("error", () => undefined);
    const limiter = new RedisRateLimiter(dead, "x");
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await limiter.hit("all", "someone", 3)).allowed);
    expect(results).toEqual([true, true, true, false]);
    dead.disconnect();
  });
});

describe("GraphQL and WebSocket limits", () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      API_KEYS: keys,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      WEBHOOK_SECRET: TEST_SECRET,
      MAX_QUERY_DEPTH: "4",
      MAX_QUERY_COMPLEXITY: "200",
    });
  });
  afterAll(() => gw?.close());

  it("refuses a query deeper than MAX_QUERY_DEPTH, also through fragments", async () => {
    const deep = await rawGraphql(gw.url, `{ analysis(requestId: "x") { result { speakers { questions { start } } } } }`);
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.message).toBe("query depth 5 exceeds the limit of 4");
    const viaFragment = await rawGraphql(gw.url, `query { analysis(requestId: "x") { ...R } } fragment R on Analysis { result { speakers { questions { text } } } }`);
    expect(viaFragment.body.errors?.[0]?.message).toBe("query depth 5 exceeds the limit of 4");
    const fine = await rawGraphql(gw.url, `{ analysis(requestId: "x") { result { speakers { talkSeconds } } } }`);
    expect(fine.status).toBe(200);
    expect(fine.body.errors).toBeUndefined();
  });

  it("refuses absurdly nested text before parsing it", async () => {
    const res = await rawGraphql(gw.url, `{ analysis(requestId: "x") ${"{ result ".repeat(5000)}${"}".repeat(5000)} }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("refuses a query over MAX_QUERY_COMPLEXITY, counting list items asked for", async () => {
    const big = await rawGraphql(gw.url, `{ analyses(first: 100) { nodes { requestId status submittedAt } } }`);
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]?.message).toMatch(/^query complexity \d+ exceeds the limit of 200/);
    const small = await gql(gw.url, ListAnalysesDocument, { first: 10 }, { apiKey: KEY_A });
    expect(small.errors).toBeUndefined();
    const aliases = Array.from({ length: 120 }, (_, i) => `a${i}: analysis(requestId: "x${i}") { requestId status }`).join(" ");
    const wide = await rawGraphql(gw.url, `{ ${aliases} }`);
    expect(wide.body.errors?.[0]?.message).toMatch(/^query complexity \d+ exceeds/);
  });

  it("applies depth and complexity limits over WebSocket too", async () => {
    const client = wsClient(gw.url, KEY_A);
    const { parse } = await import("graphql");
    const doc = parse(`subscription { analysisCompleted(requestId: "x") { result { speakers { questions { start } } } } }`);
    const events = await collect(client, doc as never, {}, 5000);
    expect((events[0].errors?.[0] as { message: string }).message).toBe("query depth 5 exceeds the limit of 4");
    await client.dispose();
  });
});

describe("WebSocket connection and subscription limits", () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      API_KEYS: keys,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      WEBHOOK_SECRET: TEST_SECRET,
      MAX_WS_CONNECTIONS_PER_KEY: "2",
      MAX_SUBSCRIPTIONS_PER_CONNECTION: "2",
    });
  });
  afterAll(() => gw?.close());

  it("closes a key's WebSocket connections beyond MAX_WS_CONNECTIONS_PER_KEY", async () => {
    const submitted = await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A });
    const requestId = submitted.data!.submitAnalysis.requestId;
    const clients = [wsClient(gw.url, KEY_A), wsClient(gw.url, KEY_A)];
    const waiting = clients.map((c) => collect(c, AnalysisCompletedDocument, { requestId }, 10_000));
    await new Promise((r) => setTimeout(r, 300));
    const third = wsClient(gw.url, KEY_A);
    await expect(collect(third, AnalysisCompletedDocument, { requestId }, 5000)).rejects.toThrow(/socket closed: 1013 too many connections for this API key/);
    // another key is not affected
    const other = wsClient(gw.url, KEY_B);
    const otherEvents = await collect(other, AnalysisCompletedDocument, { requestId }, 5000);
    expect(otherEvents[0].errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    await other.dispose();
    await third.dispose();
    const { postCompletion, sampleResponse } = await import("../helpers/webhook.js");
    await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse });
    for (const events of await Promise.all(waiting)) expect(events[0].data?.analysisCompleted.status).toBe("COMPLETED");
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it("refuses operations beyond MAX_SUBSCRIPTIONS_PER_CONNECTION on one connection", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A })).data!.submitAnalysis.requestId);
    const client = wsClient(gw.url, KEY_A);
    const first = [collect(client, AnalysisCompletedDocument, { requestId: ids[0] }, 10_000), collect(client, AnalysisCompletedDocument, { requestId: ids[1] }, 10_000)];
    await new Promise((r) => setTimeout(r, 300));
    const refused = await collect(client, AnalysisCompletedDocument, { requestId: ids[2] }, 5000);
    expect(refused[0].errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(refused[0].errors?.[0]?.message).toMatch(/too many operations on this connection \(limit 2\)/);
    const { postCompletion, sampleResponse } = await import("../helpers/webhook.js");
    for (const id of ids.slice(0, 2)) await postCompletion(gw.url, TEST_SECRET, { request_id: id, response: sampleResponse });
    await Promise.all(first);
    // slots are freed when operations complete
    const again = await collect(client, AnalysisCompletedDocument, { requestId: ids[0] }, 5000);
    expect(again[0].data?.analysisCompleted.status).toBe("COMPLETED");
    await client.dispose();
  });

});

describe("masked unexpected errors", () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway({ API_KEYS: keys, HOST: "127.0.0.1", RUN_WORKER: "false", REDIS_URL, REDIS_PREFIX: uniquePrefix(), WEBHOOK_SECRET: TEST_SECRET });
  });
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
  });

  it("answers an internal failure with a generic message and a request id, never the cause or a stack", async () => {
    const submitted = await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A });
    const requestId = submitted.data!.submitAnalysis.requestId;
    await gw.adapters.close(); // the job store's Redis connection is gone: every read now fails
    const res = await fetch(`${gw.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY_A}`, "x-request-id": "trace-me-123" },
      body: JSON.stringify({ query: `query($id: ID!) { analysis(requestId: $id) { status } }`, variables: { id: requestId } }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(res.headers.get("x-request-id")).toBe("trace-me-123");
    expect(body.errors[0].message).toBe("internal server error");
    expect(body.errors[0].extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId: "trace-me-123" });
    expect(JSON.stringify(body)).not.toMatch(/Connection|redis|stack|\.ts:|\.js:/i);

    const rest = await fetch(`${gw.url}/transaction/generic/api/v1/async/status?request_id=${requestId}&apikey=${KEY_A}`);
    expect(rest.status).toBe(500);
    const restBody = (await rest.json()) as { error: { type: string; message: string } };
    expect(restBody.error.type).toBe("internal_error");
    expect(restBody.error.message).toBe(`internal server error (request id ${rest.headers.get("x-request-id")})`);
    expect(JSON.stringify(restBody)).not.toMatch(/Connection|redis|stack|\.ts:|\.js:/i);
  });
});

describe("audio duration limit", () => {
  it("reads every fixture's duration from its header, without decoding", () => {
    const { files } = fixtureJson<{ files: { file: string; encoding: string; sampleRate: number; channels: number; duration: number }[] }>("speech-fixtures.json");
    for (const f of files) {
      const p = probeAudio(readFileSync(fixture(f.file)), { encoding: f.encoding as never, sampleRate: f.sampleRate, languageCode: "en-US", metrics: [], speakers: -1, separateSpeakerPerChannel: false });
      expect(p, f.file).toBeDefined();
      // compressed formats carry encoder padding (MP3 frames, Opus pre-skip)
      expect(Math.abs(p!.seconds - f.duration), f.file).toBeLessThan(f.encoding === "MP3" || f.encoding.startsWith("OGG") ? 0.2 : 0.002);
    }
  });

  it("ends a job longer than MAX_AUDIO_SECONDS as FAILED audio_too_long, before analysing it", async () => {
    const gw = await startTestGateway({ API_KEYS: keys, HOST: "127.0.0.1", MAX_AUDIO_SECONDS: "1" });
    try {
      const submitted = await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A });
      const requestId = submitted.data!.submitAnalysis.requestId;
      const client = wsClient(gw.url, KEY_A);
      const [done] = await collect(client, AnalysisCompletedDocument, { requestId }, 30_000);
      await client.dispose();
      const a = done.data!.analysisCompleted;
      expect(a.status).toBe("FAILED");
      expect(a.error).toEqual({ type: "audio_too_long", message: "audio is 1.3 s long, over the limit of 1.0 s" });
      expect((await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY_A })).data?.analysis?.status).toBe("FAILED");
    } finally {
      await gw.close();
    }
  });
});
