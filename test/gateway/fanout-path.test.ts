import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisEventBus } from "../../src/jobs/redis/bus.js";
import { audioKey, eventsChannel, jobKey } from "../../src/jobs/redis/keys.js";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";

// The completion path across two replicas, seen from Redis: MONITOR shows every command the
// replicas send (filtered to this test's keys), so a second round trip or a store read by
// the subscriber's replica would show.
const prefix = uniquePrefix();
const TTL = 3600;
let a: Gateway;
let b: Gateway;
const redis = new Redis(REDIS_URL);
const env = () => ({ REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_SECRET: TEST_SECRET, RUN_WORKER: "false", JOB_TTL_SECONDS: String(TTL) });

beforeAll(async () => {
  a = await startTestGateway(env());
  b = await startTestGateway(env());
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  redis.disconnect();
});

const submit = async (gw: Gateway) => {
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 } });
  expect(res.errors).toBeUndefined();
  return res.data!.submitAnalysis.requestId;
};
const until = async (pred: () => Promise<boolean> | boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe("the completion path", () => {
  it("is one Redis command at the door, and no store read at the subscribers' replica, which decodes the message once", async () => {
    const requestId = await submit(a);
    const clients = [wsClient(a.url), wsClient(a.url), wsClient(a.url)];
    const events = clients.map((c) => collect(c, AnalysisCompletedDocument, { requestId }, 10_000));
    // the three subscriptions are live on A (one channel subscription) and have read the store
    await until(async () => Number(((await redis.call("PUBSUB", "NUMSUB", eventsChannel(prefix, requestId))) as [string, number])[1]) === 1);
    await new Promise((r) => setTimeout(r, 300));

    const seen: string[][] = [];
    const monitor = await new Redis(REDIS_URL).monitor();
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source === "lua") return; // commands run inside the script
      if (args.some((x) => x.includes(jobKey(prefix, requestId)) || x.includes(eventsChannel(prefix, requestId)) || x.includes(`${prefix}:delivery:`))) seen.push(args);
    });
    await new Promise((r) => setTimeout(r, 100)); // MONITOR is on
    const decodedBefore = (a.adapters.bus as RedisEventBus).stats.decoded;
    const hook = await postCompletion(b.url, TEST_SECRET, { request_id: requestId, response: sampleResponse });
    expect(hook.status).toBe(200);
    const got = await Promise.all(events);
    await new Promise((r) => setTimeout(r, 200)); // anything sent after the delivery shows too
    monitor.disconnect();
    await Promise.all(clients.map((c) => c.dispose()));

    for (const g of got) {
      expect(g).toHaveLength(1);
      expect(g[0]!.data?.analysisCompleted).toMatchObject({ requestId, status: "COMPLETED", result: { numSpeakers: 2 } });
    }
    // one script call at B; at A nothing but leaving the channel once the subscriptions ended
    const commands = seen.map((args) => args[0]!.toLowerCase());
    expect(commands.filter((c) => c !== "unsubscribe")).toEqual(["evalsha"]);
    expect(commands.filter((c) => c === "unsubscribe").length).toBeLessThanOrEqual(1);
    expect((a.adapters.bus as RedisEventBus).stats.decoded - decodedBefore).toBe(1);
  });

  it("keeps the audio after completion, expiring with the job", async () => {
    const requestId = await submit(b);
    expect((await postCompletion(a.url, TEST_SECRET, { request_id: requestId, response: sampleResponse })).status).toBe(200);
    const audio = await a.adapters.store.getAudio(requestId);
    expect(audio?.subarray(0, 4).toString()).toBe("RIFF");
    const job = await a.adapters.store.get(requestId);
    const [audioTtl, jobTtl] = await Promise.all([redis.ttl(audioKey(prefix, requestId, job!.inputHash)), redis.ttl(jobKey(prefix, requestId))]);
    expect(audioTtl).toBeGreaterThan(TTL - 60);
    expect(audioTtl).toBeLessThanOrEqual(TTL);
    expect(Math.abs(audioTtl - jobTtl)).toBeLessThanOrEqual(2);
  });
});
