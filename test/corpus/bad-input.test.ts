import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { signWebhook } from "../../src/webhooks/signing.js";
import { GetAnalysisDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { TEST_SECRET, startTestGateway } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { sampleResponse } from "../helpers/webhook.js";
import { CLIENT_SECRET_A, KEY_A, KEY_B, eventually, restSubmit, startReceiver, type Receiver } from "../rest/receiver.js";
import { generateCorpus, type AudioCase, type Case, type DoorCase, type GraphqlCase, type RawCase, type RestCase } from "./generate.js";

// A generated corpus of malformed requests against one live gateway: every one must get a
// clear 4xx (REST) or a coded GraphQL error, never a 5xx or a stack trace; the server must
// stay up; valid jobs submitted before, during and after must still complete.
let gw: Gateway;
let receiver: Receiver;
const validWav = fixtureBase64("speech-pcm16-16k.wav");
const STACK = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+|node_modules|Error: .*\n\s+at /;
/** A decoder's or the runtime's internals in a message meant for users. */
const INTERNALS = /\bundefined\b|is not defined(?! by type)|Cannot read|Cannot destructure|is not a function|properties of|\b(Type|Reference|Range|Syntax)Error\b|@wasm-audio-decoders|audio-decode|mpg123|codec-parser|sherpa|onnx|wasm|emscripten|\bnpm\b/i;

beforeAll(async () => {
  receiver = await startReceiver(CLIENT_SECRET_A);
  gw = await startTestGateway({
    API_KEYS: `${KEY_A}:${CLIENT_SECRET_A},${KEY_B}`,
    HOST: "127.0.0.1",
    WEBHOOK_SECRET: TEST_SECRET,
    ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
    MAX_AUDIO_BYTES: String(1024 * 1024),
    MAX_QUERY_DEPTH: "5",
    MAX_QUERY_COMPLEXITY: "1000",
    RATE_LIMIT_PER_MINUTE: "0",
    SUBMIT_RATE_LIMIT_PER_MINUTE: "0",
    WORKER_CONCURRENCY: "2",
  });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

type Outcome = { ok: true } | { ok: false; why: string };
const fail = (why: string): Outcome => ({ ok: false, why });
const OK: Outcome = { ok: true };

async function runRest(c: RestCase): Promise<Outcome> {
  const path = c.path === "status" ? "/transaction/generic/api/v1/async/status" : "/audio/generic/api/v1/async/analytics/interaction";
  const qs = new URLSearchParams(Object.entries(c.query).filter(([, v]) => v !== undefined) as [string, string][]).toString();
  const res = await fetch(`${gw.url}${path}?${qs}`, {
    method: c.path === "status" ? "GET" : "POST",
    headers: c.path === "status" ? {} : { "content-type": c.contentType ?? "application/json" },
    body: c.path === "status" ? undefined : (c.raw ?? JSON.stringify(c.body)),
  });
  const text = await res.text();
  if (res.status !== c.status) return fail(`status ${res.status}, expected ${c.status}: ${text.slice(0, 200)}`);
  let body: { error?: { type?: unknown; message?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    return fail(`not JSON: ${text.slice(0, 200)}`);
  }
  if (body.error?.type !== c.type) return fail(`error.type ${String(body.error?.type)}, expected ${c.type}`);
  if (typeof body.error.message !== "string" || body.error.message.length < 5) return fail("no readable message");
  if (STACK.test(text)) return fail(`stack trace in ${text.slice(0, 300)}`);
  if (INTERNALS.test(body.error.message)) return fail(`internals in ${body.error.message}`);
  return OK;
}

async function runGraphql(c: GraphqlCase): Promise<Outcome> {
  const key = c.apiKey === undefined ? KEY_A : c.apiKey;
  const res = await fetch(`${gw.url}/graphql`, {
    method: "POST",
    headers: { "content-type": c.contentType ?? "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: c.raw ?? JSON.stringify(c.body),
  });
  const text = await res.text();
  if (res.status >= 500) return fail(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  if (STACK.test(text)) return fail(`stack trace in ${text.slice(0, 300)}`);
  let body: { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    // Apollo answers a few transport-level refusals (e.g. its CSRF guard) in plain text
    return res.status >= 400 && res.status < 500 && text.trim().length > 10 ? OK : fail(`HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const first = body.errors?.[0];
  if (!first) return fail(`no error: ${text.slice(0, 200)}`);
  const code = first.extensions?.code ?? "";
  if (code === "INTERNAL_SERVER_ERROR" || !c.codes.includes(code)) return fail(`code ${code}, expected one of ${c.codes.join("/")}: ${first.message}`);
  if (!first.message || first.message.length < 5) return fail("no readable message");
  if (INTERNALS.test(first.message)) return fail(`internals in ${first.message}`);
  if (body.data && Object.values(body.data as object).some((v) => v !== null)) return fail(`data returned: ${JSON.stringify(body.data).slice(0, 200)}`);
  return OK;
}

const doorJobs: string[] = [];
async function doorJob(): Promise<string> {
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: { content: validWav, encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_A });
  const id = res.data!.submitAnalysis.requestId;
  doorJobs.push(id);
  return id;
}

async function runDoor(c: DoorCase): Promise<Outcome> {
  const post = async (payload: string, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/webhooks/analysis`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload });
    return { status: res.status, text: await res.text() };
  };
  const body = (requestId: string) =>
    c.variant % 2 ? { request_id: requestId, response: sampleResponse } : { request_id: requestId, error: { type: "analysis_error", message: "forged" } };
  const id = `msg_corpus_${c.build}_${c.variant}_${Math.random().toString(36).slice(2)}`;
  let r: { status: number; text: string };
  switch (c.build) {
    case "unsigned": {
      const p = JSON.stringify(body(`victim-${c.variant}`));
      r = await post(p, {});
      break;
    }
    case "bad-signature": {
      const p = JSON.stringify(body(`victim-${c.variant}`));
      r = await post(p, { "webhook-id": id, "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": `v1,${Buffer.alloc(32, c.variant).toString("base64")}` });
      break;
    }
    case "stale":
    case "future": {
      const p = JSON.stringify(body(`victim-${c.variant}`));
      const at = new Date(Date.now() + (c.build === "stale" ? -1 : 1) * (6 + c.variant) * 60_000);
      r = await post(p, { ...signWebhook(TEST_SECRET, id, p, at) });
      break;
    }
    case "tampered": {
      const p = JSON.stringify(body(`victim-${c.variant}`));
      const h = signWebhook(TEST_SECRET, id, p);
      r = await post(p.replace("victim", "victin"), { ...h });
      break;
    }
    case "wrong-secret": {
      const p = JSON.stringify(body(`victim-${c.variant}`));
      r = await post(p, { ...signWebhook(CLIENT_SECRET_A, id, p) }); // a client's secret must not open the door
      break;
    }
    case "partial-headers": {
      const p = JSON.stringify(body(`victim-${c.variant}`));
      const h = signWebhook(TEST_SECRET, id, p) as unknown as Record<string, string>;
      const drop = ["webhook-id", "webhook-timestamp", "webhook-signature"][c.variant % 3];
      delete h[drop];
      r = await post(p, h);
      break;
    }
    case "replay": {
      const p = JSON.stringify({ request_id: await doorJob(), error: { type: "analysis_error", message: "replay test" } });
      const h = signWebhook(TEST_SECRET, id, p);
      const first = await post(p, { ...h });
      if (first.status !== 200) return fail(`first delivery answered ${first.status}: ${first.text}`);
      r = await post(p, { ...h });
      break;
    }
    case "malformed-body": {
      const bodies: unknown[] = [
        {}, { request_id: "x" }, { request_id: "bad id!", error: { message: "m" } }, { request_id: "x", response: { ...sampleResponse, num_speakers: "2" } },
        { request_id: "x", response: sampleResponse, error: { type: "t", message: "m" } }, [], "string", { request_id: "x", response: { num_speakers: 1 } },
        { request_id: "x", error: { type: "t" } }, { request_id: 5, error: { type: "t", message: "m" } }, { request_id: "x", response: { ...sampleResponse, segments: [{ start: -1 }] } },
        { request_id: "x", error: { type: "t", message: "m" }, extra: true },
      ];
      const p = JSON.stringify(bodies[c.variant % bodies.length]);
      r = await post(p, { ...signWebhook(TEST_SECRET, id, p) });
      break;
    }
    case "unknown-request": {
      const p = JSON.stringify(body(`never-submitted-${c.variant}`));
      r = await post(p, { ...signWebhook(TEST_SECRET, id, p) });
      break;
    }
  }
  if (r.status !== c.status) return fail(`status ${r.status}, expected ${c.status}: ${r.text.slice(0, 200)}`);
  if (STACK.test(r.text)) return fail("stack trace");
  const parsed = JSON.parse(r.text) as { error?: { message?: string } };
  if (!parsed.error?.message) return fail("no readable message");
  return OK;
}

function runRaw(c: RawCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const u = new URL(gw.url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: c.path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(c.declaredLength), authorization: `Bearer ${KEY_A}` },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          req.destroy();
          if (res.statusCode !== c.status && !(res.statusCode === 400 && c.declaredLength > 2 ** 50)) return resolve(fail(`status ${res.statusCode}: ${text.slice(0, 200)}`));
          resolve(STACK.test(text) ? fail("stack trace") : OK);
        });
      },
    );
    req.on("error", (err) => resolve(fail(`connection error ${err.message}`)));
    req.write("{"); // a first byte, then nothing: the server must answer from the header alone
  });
}

async function submitAudio(c: AudioCase): Promise<string | Outcome> {
  const input = { content: c.content.toString("base64"), encoding: c.encoding, sampleRate: c.sampleRate };
  if (c.api === "rest") {
    const res = await restSubmit(gw.url, input, { apikey: KEY_A, webhook: receiver.url });
    if (res.status === 400 && c.content.length === 0) return OK;
    return res.status === 202 ? res.body.request_id! : fail(`REST answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
  }
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: input as never }, { apiKey: KEY_A });
  return res.data?.submitAnalysis.requestId ?? fail(`GraphQL refused: ${JSON.stringify(res.errors).slice(0, 200)}`);
}

/** A valid job through each API; resolves once both completed (REST: the verified callback too). */
async function validJobs(tag: string) {
  const rest = await restSubmit(gw.url, { content: validWav, encoding: "WAV", sampleRate: 16000, metrics: ["talk_to_listen_ratio"] }, { apikey: KEY_A, webhook: receiver.url, request_id: `valid-rest-${tag}` });
  expect(rest.status).toBe(202);
  const graphql = await gql(gw.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("speech-16k.flac"), encoding: "FLAC", sampleRate: 16000, requestId: `valid-gql-${tag}` } }, { apiKey: KEY_A });
  expect(graphql.errors).toBeUndefined();
  return async () => {
    const [call] = await receiver.waitFor(`valid-rest-${tag}`, { timeoutMs: 120_000 });
    expect(call.verified).toBe(true);
    expect(call.body.response?.num_speakers).toBe(1);
    const done = await eventually(async () => {
      const a = (await gql(gw.url, GetAnalysisDocument, { requestId: `valid-gql-${tag}` }, { apiKey: KEY_A })).data?.analysis;
      return a && (a.status === "COMPLETED" || a.status === "FAILED") ? a : undefined;
    }, 120_000, 200);
    expect(done.status).toBe("COMPLETED");
  };
}

describe("bad-input corpus", () => {
  it("refuses every malformed request clearly, stays up, and still completes valid jobs", async () => {
    const corpus = generateCorpus({ key: KEY_A, otherKey: KEY_B, webhook: receiver.url, validWav });
    const requests = corpus.filter((c) => c.kind !== "audio");
    const audio = corpus.filter((c): c is AudioCase => c.kind === "audio");
    expect(corpus.length).toBeGreaterThanOrEqual(1000);

    const checks = [await validJobs("before")];
    const failures: string[] = [];
    const audioJobs: { c: AudioCase; requestId: string }[] = [];
    const run = async (c: Case) => {
      let out: Outcome;
      try {
        if (c.kind === "rest") out = await runRest(c);
        else if (c.kind === "graphql") out = await runGraphql(c);
        else if (c.kind === "door") out = await runDoor(c);
        else if (c.kind === "raw") out = await runRaw(c);
        else {
          const r = await submitAudio(c);
          if (typeof r === "string") audioJobs.push({ c, requestId: r });
          out = typeof r === "string" ? OK : r;
        }
      } catch (err) {
        out = fail(`threw ${(err as Error).message}`);
      }
      if (!out.ok) failures.push(`${c.name}: ${out.why}`);
    };
    const all: Case[] = [...requests, ...audio];
    for (let i = 0; i < all.length; i += 16) {
      if (i >= all.length / 2 && checks.length === 1) checks.push(await validJobs("during"));
      await Promise.all(all.slice(i, i + 16).map(run));
    }
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    checks.push(await validJobs("after"));

    // corrupt audio that passed validation: a final state for each, FAILED with a readable error where it must fail
    const finals = await eventually(
      async () => {
        const states = await Promise.all(audioJobs.map(async (j) => ({ ...j, a: (await gql(gw.url, GetAnalysisDocument, { requestId: j.requestId }, { apiKey: KEY_A })).data?.analysis })));
        return states.every((s) => s.a && (s.a.status === "COMPLETED" || s.a.status === "FAILED")) ? states : undefined;
      },
      240_000,
      500,
    );
    let failedJobs = 0;
    for (const { c, a } of finals) {
      if (a!.status === "FAILED") {
        failedJobs++;
        const e = a!.error!;
        if (!["audio_decode_error", "audio_too_long"].includes(e.type)) failures.push(`${c.name}: failed as ${e.type}: ${e.message}`);
        if (!e.message || e.message.length < 10 || STACK.test(e.message)) failures.push(`${c.name}: unreadable error ${e.message}`);
        if (INTERNALS.test(e.message)) failures.push(`${c.name}: decoder internals in ${e.message}`);
        if (c.mustComplete) failures.push(`${c.name}: failed (${e.message}), but it decodes as what its bytes are`);
        if (c.error && (e.type !== c.error.type || !c.error.message.test(e.message))) failures.push(`${c.name}: error ${e.type}: ${e.message}, expected ${c.error.type}: ${c.error.message}`);
      } else if (c.mustFail) failures.push(`${c.name}: completed, but the audio is broken`);
    }
    for (const check of checks) await check();
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);

    const count = (k: Case["kind"]) => corpus.filter((c) => c.kind === k).length;
    console.log(
      `bad-input corpus: ${corpus.length} requests (REST ${count("rest")}, GraphQL ${count("graphql")}, webhook door ${count("door")}, raw HTTP ${count("raw")}, corrupt audio ${count("audio")} of which ${failedJobs} ended FAILED); ${failures.length} not refused clearly; 6 valid jobs completed`,
    );
    expect(failures.map((f) => (f.length > 400 ? `${f.slice(0, 200)} … ${f.slice(-200)}` : f))).toEqual([]);
  }, 600_000);
});
