import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { GetWebhookDeliveryDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";
import { CLIENT_SECRET_A, KEY_A, KEY_B, eventually, startReceiver, type Receiver } from "./receiver.js";

// Client webhook delivery: retries, backoff, give-up, and (distributed) survival of a
// gateway restart. No analysis runs: completions are posted to the door as a backend would.
const input = { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV" as const, sampleRate: 16000 };

async function submitAndComplete(gw: Gateway, webhook: string, apiKey = KEY_A) {
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: { ...input, webhook } }, { apiKey });
  expect(res.errors).toBeUndefined();
  const requestId = res.data!.submitAnalysis.requestId;
  expect((await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse })).status).toBe(200);
  return requestId;
}

const delivery = async (gw: Gateway, requestId: string) =>
  (await gql(gw.url, GetWebhookDeliveryDocument, { requestId }, { apiKey: KEY_A })).data?.analysis?.webhookDelivery;

describe("client webhooks, embedded mode", () => {
  let gw: Gateway;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver(CLIENT_SECRET_A);
    gw = await startTestGateway({
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A},${KEY_B}`,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      WEBHOOK_SECRET: TEST_SECRET,
      ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
      WEBHOOK_MAX_ATTEMPTS: "5",
      WEBHOOK_RETRY_BASE_MS: "100",
    });
  });
  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
  });

  it("retries 503, 429 and 408 with exponential backoff and the same webhook-id, then records DELIVERED", async () => {
    const codes = [503, 429, 408];
    receiver.respond((_c, nth) => codes[nth - 1] ?? 200);
    const requestId = await submitAndComplete(gw, receiver.url);
    const calls = await receiver.waitFor(requestId, { count: 4, timeoutMs: 10_000 });
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.headers["webhook-id"]))).toEqual(new Set([`msg_callback_${requestId}`]));
    expect(calls.every((c) => c.verified)).toBe(true);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i].at);
    // 100, 200, 400 ms apart (backoff doubles), with some slack for scheduling
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(180);
    expect(gaps[2]).toBeGreaterThanOrEqual(360);
    expect(gaps[2]).toBeGreaterThan(gaps[0] * 2.5);
    const d = await eventually(async () => {
      const x = await delivery(gw, requestId);
      return x?.status === "DELIVERED" ? x : undefined;
    });
    expect(d.attempts).toBe(4);
    expect(d.lastError ?? null).toBeNull();
    receiver.respond(() => 200);
  });

  it("gives up at once on a non-retryable answer and records FAILED with the reason", async () => {
    receiver.respond(() => 400);
    const requestId = await submitAndComplete(gw, receiver.url);
    const d = await eventually(async () => {
      const x = await delivery(gw, requestId);
      return x?.status === "FAILED" ? x : undefined;
    });
    expect(d.attempts).toBe(1);
    expect(d.lastError).toMatch(/^HTTP 400/);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.calls.filter((c) => c.body.request_id === requestId)).toHaveLength(1);
    receiver.respond(() => 200);
  });

  it("makes WEBHOOK_MAX_ATTEMPTS attempts against a receiver that is down, then records FAILED", async () => {
    const down = await startReceiver(CLIENT_SECRET_A);
    const url = down.url;
    await down.close(); // nothing listens on that port any more: connection refused
    const requestId = await submitAndComplete(gw, url);
    const pending = await eventually(async () => {
      const x = await delivery(gw, requestId);
      return x && x.attempts >= 1 ? x : undefined;
    });
    expect(pending.status).toBe("PENDING");
    expect(pending.lastError).toMatch(/ECONNREFUSED/);
    expect(pending.nextAttemptAt).toBeTruthy();
    const d = await eventually(async () => {
      const x = await delivery(gw, requestId);
      return x?.status === "FAILED" ? x : undefined;
    }, 15_000);
    expect(d.attempts).toBe(5);
    expect(d.lastError).toMatch(/ECONNREFUSED/);
  });

  it("does not follow a redirect to an address outside the allow-list", async () => {
    const { createServer } = await import("node:http");
    const srv = createServer((_req, res) => res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/" }).end()).listen(0, "127.0.0.1");
    await new Promise((r) => srv.once("listening", r));
    const port = (srv.address() as { port: number }).port;
    const requestId = await submitAndComplete(gw, `http://127.0.0.1:${port}/hook`);
    const d = await eventually(async () => {
      const x = await delivery(gw, requestId);
      return x?.status === "FAILED" ? x : undefined;
    });
    expect(d.lastError).toMatch(/169\.254\.169\.254.*internal address|private, loopback, link-local/);
    expect(d.attempts).toBe(1);
    srv.close();
  });

  it("shows no webhookDelivery for a job without a webhook", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input }, { apiKey: KEY_A });
    const requestId = res.data!.submitAnalysis.requestId;
    await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse });
    expect(await delivery(gw, requestId)).toBeNull();
  });
});

describe("client webhooks, distributed mode", () => {
  it("keeps a pending retry in Redis across a gateway restart, and another replica delivers it", async () => {
    const prefix = uniquePrefix();
    const receiver = await startReceiver(CLIENT_SECRET_A);
    const env = {
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      REDIS_URL,
      REDIS_PREFIX: prefix,
      WEBHOOK_SECRET: TEST_SECRET,
      ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
      WEBHOOK_MAX_ATTEMPTS: "5",
      WEBHOOK_RETRY_BASE_MS: "1500",
    };
    const a = await startTestGateway(env);
    receiver.respond(() => 503);
    const requestId = await submitAndComplete(a, receiver.url);
    await receiver.waitFor(requestId, { count: 1, timeoutMs: 10_000 });
    await a.close(); // the retry is a delayed BullMQ job now, in Redis only
    receiver.respond(() => 200);
    const b = await startTestGateway(env);
    try {
      const calls = await receiver.waitFor(requestId, { count: 2, timeoutMs: 20_000 });
      expect(calls[1].headers["webhook-id"]).toBe(calls[0].headers["webhook-id"]);
      const d = await eventually(async () => {
        const x = await delivery(b, requestId);
        return x?.status === "DELIVERED" ? x : undefined;
      });
      expect(d.attempts).toBe(2);
    } finally {
      await b.close();
      await receiver.close();
    }
  });
});
