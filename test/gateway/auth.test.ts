import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, GetAnalysisDocument, ListAnalysesDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";

const KEY_A = "key-alice-0123456789";
const KEY_B = "key-bob-9876543210";
let gw: Gateway;
const input = { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV" as const, sampleRate: 16000 };

beforeAll(async () => {
  gw = await startTestGateway({
    API_KEYS: `${KEY_A},${KEY_B}`,
    HOST: "127.0.0.1",
    REDIS_URL,
    REDIS_PREFIX: uniquePrefix(),
    WEBHOOK_SECRET: TEST_SECRET,
    RUN_WORKER: "false",
  });
});
afterAll(() => gw?.close());

describe("API keys over HTTP", () => {
  it("refuses a request without a key with 401 UNAUTHENTICATED", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input });
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
  it("refuses a wrong key", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: "wrong-key-123456" });
    expect(res.status).toBe(401);
  });
  it("accepts Bearer, x-api-key and ?apikey=", async () => {
    expect((await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A })).data?.submitAnalysis.requestId).toBeTruthy();
    expect((await gql(gw.url, SubmitAnalysisDocument, { input }, { headers: { "x-api-key": KEY_A } })).data?.submitAnalysis.requestId).toBeTruthy();
    const viaQuery = await gql(`${gw.url}`, ListAnalysesDocument, { first: 1 }, { path: `/graphql?apikey=${KEY_A}` });
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.data?.analyses.totalCount).toBeGreaterThan(0);
  });
  it("serves Apollo Sandbox to a browser GET without a key", async () => {
    const res = await fetch(`${gw.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/sandbox/i);
  });
});

describe("job ownership", () => {
  let requestId: string;
  beforeAll(async () => {
    requestId = (await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A })).data!.submitAnalysis.requestId;
  });

  it("lets another key neither read nor list the job", async () => {
    expect((await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY_A })).data?.analysis?.requestId).toBe(requestId);
    expect((await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY_B })).data?.analysis).toBeNull();
    const listB = await gql(gw.url, ListAnalysesDocument, { first: 50 }, { apiKey: KEY_B });
    expect(listB.data?.analyses.nodes.map((n) => n.requestId)).not.toContain(requestId);
  });

  it("lets another key not reuse the requestId", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input: { ...input, requestId } }, { apiKey: KEY_B });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("paginates the owner's jobs newest first", async () => {
    for (let i = 0; i < 3; i++) await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_B });
    const page1 = await gql(gw.url, ListAnalysesDocument, { first: 2 }, { apiKey: KEY_B });
    expect(page1.data?.analyses.totalCount).toBe(3);
    expect(page1.data?.analyses.nodes).toHaveLength(2);
    expect(page1.data?.analyses.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(gw.url, ListAnalysesDocument, { first: 2, after: page1.data!.analyses.pageInfo.endCursor }, { apiKey: KEY_B });
    expect(page2.data?.analyses.nodes).toHaveLength(1);
    expect(page2.data?.analyses.pageInfo.hasNextPage).toBe(false);
    const ids = [...page1.data!.analyses.nodes, ...page2.data!.analyses.nodes].map((n) => n.requestId);
    expect(new Set(ids).size).toBe(3);
  });

  it("WebSocket: refuses a connection without a valid key", async () => {
    const client = wsClient(gw.url, "wrong-key-123456");
    await expect(collect(client, AnalysisCompletedDocument, { requestId }, 5000)).rejects.toThrow(/4403|Forbidden/);
    await client.dispose();
  });

  it("WebSocket: another key cannot subscribe; the owner gets the completion", async () => {
    const other = wsClient(gw.url, KEY_B);
    const denied = await collect(other, AnalysisCompletedDocument, { requestId }, 5000);
    await other.dispose();
    expect(denied[0].errors?.[0]?.extensions?.code).toBe("NOT_FOUND");

    const owner = wsClient(gw.url, KEY_A);
    const events = collect(owner, AnalysisCompletedDocument, { requestId });
    await new Promise((r) => setTimeout(r, 200));
    expect((await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse })).status).toBe(200);
    const got = await events;
    await owner.dispose();
    expect(got[0].data?.analysisCompleted.status).toBe("COMPLETED");
  });
});

describe("configuration", () => {
  it("refuses to start in production without API keys", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/API_KEYS: required when NODE_ENV=production/);
  });
  it("listens on 127.0.0.1 only when running open", () => {
    expect(loadConfig({ HOST: "0.0.0.0" }).host).toBe("127.0.0.1");
    expect(loadConfig({ API_KEYS: KEY_A }).host).toBe("0.0.0.0");
  });
  it("names each bad variable", () => {
    try {
      loadConfig({ PORT: "abc", REDIS_URL: "http://nope", RUN_WORKER: "maybe" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/PORT: must be an integer/);
      expect(msg).toMatch(/REDIS_URL: must start with redis:\/\//);
      expect(msg).toMatch(/RUN_WORKER: must be true or false/);
    }
  });
  it("checks the transcriber settings at start-up", () => {
    expect(() => loadConfig({ TRANSCRIBER: "whisper" })).toThrow(/TRANSCRIBER must be one of/);
    expect(() => loadConfig({ TRANSCRIBER: "openai" })).toThrow(/OPENAI_BASE_URL: required with TRANSCRIBER=openai/);
  });
  it("requires a shared WEBHOOK_SECRET in distributed mode and defaults the rest", () => {
    expect(() => loadConfig({ REDIS_URL })).toThrow(/WEBHOOK_SECRET: required with REDIS_URL/);
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.mode).toBe("embedded");
    expect(c.runWorker).toBe(true);
  });
});
