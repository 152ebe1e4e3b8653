import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deliveryKey } from "../../src/jobs/redis/keys.js";
import { RedisJobStore } from "../../src/jobs/redis/store.js";
import type { DeepAffectsResponse } from "../../src/analysis/types.js";
import { SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";
import { CLIENT_SECRET_A, KEY_A, startReceiver } from "./receiver.js";

// The completion door's retry after a half-done first attempt: the webhook-id was marked and
// the job stored as final, but queueing the client webhook failed and the mark could not be
// forgotten (Redis went away; fault test redis-restart found it). The sender's retry gets 409
// — and the client webhook must still be queued, not lost.
const redis = new Redis(REDIS_URL);
afterAll(() => redis.disconnect());

describe("a replayed completion of a final job", () => {
  it("answers 409 and still queues the job's client webhook", async () => {
    const prefix = uniquePrefix();
    const receiver = await startReceiver(CLIENT_SECRET_A);
    const gw = await startTestGateway({
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      REDIS_URL,
      REDIS_PREFIX: prefix,
      WEBHOOK_SECRET: TEST_SECRET,
      ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
    });
    try {
      const input = { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV" as const, sampleRate: 16000, webhook: receiver.url };
      const res = await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A });
      expect(res.errors).toBeUndefined();
      const requestId = res.data!.submitAnalysis.requestId;
      // The first attempt's half: final state stored and webhook-id marked, webhook never queued.
      const store = new RedisJobStore(redis, prefix, 600);
      const stored = await store.update(requestId, { status: "COMPLETED", progress: 1, result: sampleResponse as unknown as DeepAffectsResponse, completedAt: new Date().toISOString() });
      expect(stored && "updated" in stored).toBe(true);
      const messageId = `msg_half_done_${requestId}`;
      await redis.set(deliveryKey(prefix, messageId), "1", "EX", 60);

      const retry = await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse }, { messageId });
      expect(retry.status).toBe(409);
      const calls = await receiver.waitFor(requestId, { count: 1, timeoutMs: 10_000 });
      expect(calls[0]!.verified).toBe(true);
      expect(calls[0]!.body.request_id).toBe(requestId);
    } finally {
      await gw.close();
      await receiver.close();
    }
  });
});
