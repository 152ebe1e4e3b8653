import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { GetAnalysisDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { TEST_SECRET, startTestGateway } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";

let gw: Gateway;
let requestId: string;
beforeAll(async () => {
  gw = await startTestGateway({ RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET });
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 } });
  requestId = res.data!.submitAnalysis.requestId;
});
afterAll(() => gw?.close());

const otherSecret = `whsec_${Buffer.from("another-secret-0123456789").toString("base64")}`;

describe("POST /webhooks/analysis", () => {
  it("refuses a request without signature headers", async () => {
    const res = await fetch(`${gw.url}/webhooks/analysis`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ request_id: requestId, response: sampleResponse }) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/missing webhook-id/);
  });
  it("refuses a signature made with another secret", async () => {
    const r = await postCompletion(gw.url, otherSecret, { request_id: requestId, response: sampleResponse });
    expect(r.status).toBe(401);
  });
  it("refuses a body changed after signing", async () => {
    const r = await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse }, { tamper: true });
    expect(r.status).toBe(401);
  });
  it("refuses a stale timestamp", async () => {
    const r = await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse }, { at: new Date(Date.now() - 10 * 60_000) });
    expect(r.status).toBe(401);
    expect(String((r.body.error as { message: string }).message)).toMatch(/timestamp/i);
  });
  it("refuses a malformed body with 400 naming the field", async () => {
    const r = await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: { ...sampleResponse, num_speakers: "two" } });
    expect(r.status).toBe(400);
    expect(String((r.body.error as { message: string }).message)).toMatch(/num_speakers/);
    const both = await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse, error: { message: "x" } });
    expect(both.status).toBe(400);
  });
  it("answers 404 for an unknown request", async () => {
    const r = await postCompletion(gw.url, TEST_SECRET, { request_id: "no-such-job", response: sampleResponse });
    expect(r.status).toBe(404);
  });
  it("applies a valid completion once and refuses its replay", async () => {
    const body = { request_id: requestId, response: sampleResponse };
    const first = await postCompletion(gw.url, TEST_SECRET, body, { messageId: "msg_replay_test" });
    expect(first.status).toBe(200);
    const replay = await postCompletion(gw.url, TEST_SECRET, body, { messageId: "msg_replay_test" });
    expect(replay.status).toBe(409);
    const q = await gql(gw.url, GetAnalysisDocument, { requestId });
    expect(q.data?.analysis?.status).toBe("COMPLETED");
    expect(q.data?.analysis?.result?.segments).toHaveLength(2);
    // the audio stays until the job expires (the results page plays it back)
    expect((await gw.adapters.store.getAudio(requestId))?.subarray(0, 4).toString()).toBe("RIFF");
  });
  it("counts submitted and finished jobs on GET /metrics (Prometheus text)", async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(Number(/^iag_jobs_submitted_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^iag_jobs_finished_total\{status="COMPLETED"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/iag_process_resident_memory_bytes/);
  });
});
