import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { startGateway, type Gateway } from "../../src/server.js";
import { SIGNING_FILE } from "../../src/webhooks/file.js";
import { RotateWebhookSigningSecretDocument, WebhookSigningSecretDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { postCompletion, sampleResponse } from "../helpers/webhook.js";
import { CLIENT_SECRET_A, KEY_A, KEY_B, restSubmit, startReceiver, verifiesWith, type Receiver } from "./receiver.js";

// Client webhooks with nothing configured but API_KEYS: each key reads its secret over
// GraphQL, a real receiver verifies the callbacks with it, rotation signs with both secrets
// during the grace, and the secrets persist (DATA_DIR, Redis) and never reach the logs.
const wav = { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 };
const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;

const secretOf = async (gw: Gateway, apiKey?: string) => {
  const res = await gql(gw.url, WebhookSigningSecretDocument, {}, apiKey ? { apiKey } : {});
  expect(res.errors).toBeUndefined();
  return res.data!.webhookSigningSecret;
};

/** A REST submission with a webhook, completed through the door as a backend would; resolves with the callback. */
async function callbackFor(gw: Gateway, receiver: Receiver, apiKey?: string) {
  const res = await restSubmit(gw.url, wav, { apikey: apiKey, webhook: receiver.url });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const requestId = res.body.request_id!;
  expect((await postCompletion(gw.url, TEST_SECRET, { request_id: requestId, response: sampleResponse })).status).toBe(200);
  const calls = await receiver.waitFor(requestId, { timeoutMs: 10_000 });
  return calls[calls.length - 1]!;
}

describe("zero-configuration client webhook secrets, embedded mode", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "iag-secrets-"));
  const logs: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
  const env = { API_KEYS: `${KEY_A},${KEY_B}`, HOST: "127.0.0.1", RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET, ALLOWED_OUTBOUND_HOSTS: "127.0.0.1", DATA_DIR: dataDir, WEBHOOK_SECRET_ROTATION_GRACE_SECONDS: "3", LOG_LEVEL: "trace", NODE_ENV: "test", PORT: "0" } as const;
  const start = () => {
    const config = loadConfig(env);
    return startGateway(config, pino({ level: "trace" }, sink));
  };
  let gw: Gateway;
  const seen: string[] = [];
  beforeAll(async () => {
    gw = await start();
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives every key its own whsec_ secret, and a callback verifies with it", async () => {
    const a = await secretOf(gw, KEY_A);
    const b = await secretOf(gw, KEY_B);
    seen.push(a, b);
    expect(a).toMatch(WHSEC);
    expect(b).toMatch(WHSEC);
    expect(a).not.toBe(b);
    expect(await secretOf(gw, KEY_A)).toBe(a); // stable
    const receiver = await startReceiver(a);
    try {
      const call = await callbackFor(gw, receiver, KEY_A);
      expect(call.verified, call.verifyError).toBe(true);
      expect(verifiesWith(call, b)).toBe(false);
    } finally {
      await receiver.close();
    }
    const file = statSync(join(dataDir, SIGNING_FILE));
    expect(file.mode & 0o777).toBe(0o600);
  });

  it("after a rotation signs with the old and the new secret during the grace, then with the new one only", async () => {
    const old = await secretOf(gw, KEY_A);
    const rotated = await gql(gw.url, RotateWebhookSigningSecretDocument, {}, { apiKey: KEY_A });
    expect(rotated.errors).toBeUndefined();
    const fresh = rotated.data!.rotateWebhookSigningSecret;
    seen.push(fresh);
    expect(fresh).toMatch(WHSEC);
    expect(fresh).not.toBe(old);
    expect(await secretOf(gw, KEY_A)).toBe(fresh);
    expect(await secretOf(gw, KEY_B)).toBe(seen[1]); // other keys keep theirs
    const receiver = await startReceiver(fresh);
    try {
      const during = await callbackFor(gw, receiver, KEY_A);
      expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      expect(verifiesWith(during, fresh)).toBe(true);
      expect(verifiesWith(during, old)).toBe(true);
      await new Promise((r) => setTimeout(r, 3200)); // WEBHOOK_SECRET_ROTATION_GRACE_SECONDS=3
      const after = await callbackFor(gw, receiver, KEY_A);
      expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1);
      expect(verifiesWith(after, fresh)).toBe(true);
      expect(verifiesWith(after, old)).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it("keeps the secrets, rotations included, across a restart with the same DATA_DIR", async () => {
    const before = [await secretOf(gw, KEY_A), await secretOf(gw, KEY_B)];
    await gw.close();
    gw = await start();
    expect([await secretOf(gw, KEY_A), await secretOf(gw, KEY_B)]).toEqual(before);
  });

  it("never writes a secret to the logs", () => {
    const text = logs.join("");
    expect(text).toMatch(/client webhook delivered/); // the logs were captured
    for (const s of seen) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(s.slice("whsec_".length));
    }
    expect(text).not.toContain(TEST_SECRET.slice("whsec_".length));
  });
});

describe("configured secrets win, and open mode has a secret too", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "iag-secrets-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("returns and signs with a key's configured secret, and refuses to rotate it", async () => {
    const gw = await startTestGateway({ API_KEYS: `${KEY_A}:${CLIENT_SECRET_A},${KEY_B}`, HOST: "127.0.0.1", RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET, ALLOWED_OUTBOUND_HOSTS: "127.0.0.1", DATA_DIR: dataDir });
    const receiver = await startReceiver(CLIENT_SECRET_A);
    try {
      expect(await secretOf(gw, KEY_A)).toBe(CLIENT_SECRET_A);
      const call = await callbackFor(gw, receiver, KEY_A);
      expect(call.verified, call.verifyError).toBe(true);
      const refused = await gql(gw.url, RotateWebhookSigningSecretDocument, {}, { apiKey: KEY_A });
      expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(refused.errors?.[0]?.message).toMatch(/set by the operator/);
      expect(await secretOf(gw, KEY_B)).toMatch(WHSEC); // a key without one still gets a derived secret
      expect(await secretOf(gw, KEY_B)).not.toBe(CLIENT_SECRET_A);
    } finally {
      await receiver.close();
      await gw.close();
    }
  });

  it("gives the keyless open mode a secret that verifies its callbacks", async () => {
    const gw = await startTestGateway({ RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET, ALLOWED_OUTBOUND_HOSTS: "127.0.0.1", DATA_DIR: dataDir });
    try {
      const secret = await secretOf(gw);
      expect(secret).toMatch(WHSEC);
      const receiver = await startReceiver(secret);
      try {
        const call = await callbackFor(gw, receiver);
        expect(call.verified, call.verifyError).toBe(true);
      } finally {
        await receiver.close();
      }
    } finally {
      await gw.close();
    }
  });
});

describe("zero-configuration client webhook secrets, distributed mode", () => {
  it("is the same secret on two replicas, rotations included, and survives their restart", async () => {
    const env = { API_KEYS: KEY_A, HOST: "127.0.0.1", RUN_WORKER: "false", REDIS_URL, REDIS_PREFIX: uniquePrefix(), WEBHOOK_SECRET: TEST_SECRET, ALLOWED_OUTBOUND_HOSTS: "127.0.0.1" };
    // both replicas start at once: the first master written (HSETNX) is the one both use
    const [a, b] = await Promise.all([startTestGateway(env), startTestGateway(env)]);
    try {
      const [sa, sb] = await Promise.all([secretOf(a, KEY_A), secretOf(b, KEY_A)]);
      expect(sa).toMatch(WHSEC);
      expect(sb).toBe(sa);
      const rotated = (await gql(a.url, RotateWebhookSigningSecretDocument, {}, { apiKey: KEY_A })).data!.rotateWebhookSigningSecret;
      expect(await secretOf(b, KEY_A)).toBe(rotated);
      const receiver = await startReceiver(rotated);
      try {
        const call = await callbackFor(b, receiver, KEY_A);
        expect(call.verified, call.verifyError).toBe(true);
        expect(verifiesWith(call, sa)).toBe(true); // in its grace (24 h default)
      } finally {
        await receiver.close();
      }
      await a.close();
      const c = await startTestGateway(env);
      try {
        expect(await secretOf(c, KEY_A)).toBe(rotated);
      } finally {
        await c.close();
      }
    } finally {
      await a.close().catch(() => undefined);
      await b.close();
    }
  });
});
