import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, GetAnalysisDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";

// Two gateway replicas on one real Redis, no workers: completions come in by webhook.
let a: Gateway;
let b: Gateway;
const env = () => ({ REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_SECRET: TEST_SECRET, RUN_WORKER: "false" });
const prefix = uniquePrefix();

beforeAll(async () => {
  a = await startTestGateway(env());
  b = await startTestGateway(env());
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const submit = async (gw: Gateway) => {
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 } });
  expect(res.errors).toBeUndefined();
  return res.data!.submitAnalysis.requestId;
};

describe("two replicas on one Redis", () => {
  it("delivers to a subscriber on replica A a completion whose webhook arrived at replica B", async () => {
    const requestId = await submit(a);
    const client = wsClient(a.url);
    const events = collect(client, AnalysisCompletedDocument, { requestId });
    await new Promise((r) => setTimeout(r, 300)); // let the subscription reach Redis
    const hook = await postCompletion(b.url, TEST_SECRET, { request_id: requestId, response: sampleResponse });
    expect(hook.status).toBe(200);
    const got = await events;
    await client.dispose();
    expect(got).toHaveLength(1);
    const analysis = got[0].data!.analysisCompleted;
    expect(analysis.status).toBe("COMPLETED");
    expect(analysis.result?.numSpeakers).toBe(2);
    expect(analysis.result?.talkToListenRatio).toEqual([
      { speakerId: "0", value: "48:52" },
      { speakerId: "1", value: "52:48" },
    ]);
  });

  it("gives a late subscriber on the other replica the final state at once", async () => {
    const requestId = await submit(b);
    expect((await postCompletion(a.url, TEST_SECRET, { request_id: requestId, error: { type: "audio_decode_error", message: "bad audio" } })).status).toBe(200);
    const client = wsClient(a.url);
    const got = await collect(client, AnalysisCompletedDocument, { requestId }, 5000);
    await client.dispose();
    expect(got[0].data?.analysisCompleted.status).toBe("FAILED");
    expect(got[0].data?.analysisCompleted.error).toEqual({ type: "audio_decode_error", message: "bad audio" });
    const q = await gql(b.url, GetAnalysisDocument, { requestId });
    expect(q.data?.analysis?.status).toBe("FAILED");
  });

  it("keeps the first result when a completion is delivered twice", async () => {
    const requestId = await submit(a);
    const first = await postCompletion(a.url, TEST_SECRET, { request_id: requestId, response: sampleResponse });
    const second = await postCompletion(b.url, TEST_SECRET, { request_id: requestId, response: { ...sampleResponse, num_speakers: 5 } });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.duplicate).toBe(true);
    const q = await gql(a.url, GetAnalysisDocument, { requestId });
    expect(q.data?.analysis?.result?.numSpeakers).toBe(2);
  });
});
