import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, AnalysisUpdatedDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { gql, wsClient } from "../helpers/graphql-client.js";
import { print } from "graphql";

// A client that goes away before its job finishes must not leave a Redis channel
// subscription (and its handler) behind on the gateway.
const prefix = uniquePrefix();
let gw: Gateway;
const redis = new Redis(REDIS_URL);
beforeAll(async () => {
  gw = await startTestGateway({ REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_SECRET: TEST_SECRET, RUN_WORKER: "false" });
});
afterAll(async () => {
  await gw?.close();
  redis.disconnect();
});

const subscribers = async (requestId: string) => {
  const [, n] = (await redis.call("PUBSUB", "NUMSUB", `${prefix}:events:${requestId}`)) as [string, number];
  return Number(n);
};
const until = async (pred: () => Promise<boolean>, ms = 5000) => {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
};

describe("subscriptions", () => {
  it("unsubscribe from Redis when the client leaves before the job finishes", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 } });
    const requestId = res.data!.submitAnalysis.requestId;
    const client = wsClient(gw.url);
    for (const doc of [AnalysisCompletedDocument, AnalysisUpdatedDocument]) {
      client.subscribe({ query: print(doc), variables: { requestId } }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    }
    expect(await until(async () => (await subscribers(requestId)) === 1)).toBe(true);
    await client.dispose();
    expect(await until(async () => (await subscribers(requestId)) === 0)).toBe(true);
  });
});
