import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { GetAnalysisDocument, GetWebhookDeliveryDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64, fixtureJson } from "../helpers/audio.js";
import { startTestGateway } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { CLIENT_SECRET_A, CLIENT_SECRET_B, KEY_A, KEY_B, eventually, restStatus, restSubmit, startReceiver, type Receiver } from "./receiver.js";

// The DeepAffects REST contract end to end on real audio: REST in, real analysis, the
// callback POSTed to a real receiver that verifies its signature with `standardwebhooks`.
let gw: Gateway;
let receiver: Receiver;
let receiverB: Receiver;

beforeAll(async () => {
  receiver = await startReceiver(CLIENT_SECRET_A);
  receiverB = await startReceiver(CLIENT_SECRET_B);
  gw = await startTestGateway({
    API_KEYS: `${KEY_A}:${CLIENT_SECRET_A},${KEY_B}:${CLIENT_SECRET_B}`,
    HOST: "127.0.0.1",
    ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
    WORKER_CONCURRENCY: "2",
  });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
  await receiverB?.close();
});

const stereo = { content: fixtureBase64("stereo-call.wav"), encoding: "WAV", sampleRate: 8000, languageCode: "en-US", metrics: ["all"], speakers: -1, separateSpeakerPerChannel: true };

// DeepAffects fields plus our documented snake_case extensions: how sure the speaker count and
// each segment's speaker are (docs/diarization.md) and the emotion distribution (docs/metrics.md)
const RESPONSE_FIELDS = ["num_speakers", "total_speech_duration", "segments", "energy", "pace", "questions_asked", "tone", "talk_to_listen_ratio", "interruptions", "num_speakers_confidence", "num_speakers_runner_up"];
const SEGMENT_FIELDS = ["speaker_id", "start", "end", "text", "emotion", "emotion_score", "emotions", "speaker_confidence"];

/** The exact DeepAffects response shape: only its field names, each of the right type. */
function expectDeepAffectsResponse(r: Record<string, unknown>) {
  for (const k of Object.keys(r)) expect(RESPONSE_FIELDS, `unexpected response field ${k}`).toContain(k);
  expect(Number.isInteger(r.num_speakers)).toBe(true);
  if ("num_speakers_confidence" in r) {
    expect(r.num_speakers_confidence as number).toBeGreaterThanOrEqual(0);
    expect(r.num_speakers_confidence as number).toBeLessThanOrEqual(1);
  }
  if ("num_speakers_runner_up" in r) expect(Number.isInteger(r.num_speakers_runner_up)).toBe(true);
  expect(typeof r.total_speech_duration).toBe("number");
  expect(Array.isArray(r.segments)).toBe(true);
  for (const s of r.segments as Record<string, unknown>[]) {
    for (const k of Object.keys(s)) expect(SEGMENT_FIELDS, `unexpected segment field ${k}`).toContain(k);
    expect(typeof s.speaker_id).toBe("string");
    expect(typeof s.start).toBe("number");
    expect(typeof s.end).toBe("number");
    expect(s.end as number).toBeGreaterThanOrEqual(s.start as number);
    if ("emotion_score" in s) expect(typeof s.emotion_score).toBe("number");
    if ("emotions" in s) for (const e of s.emotions as Record<string, unknown>[]) expect(Object.keys(e).sort()).toEqual(["label", "score"]);
    if ("speaker_confidence" in s) {
      expect(s.speaker_confidence as number).toBeGreaterThanOrEqual(0);
      expect(s.speaker_confidence as number).toBeLessThanOrEqual(1);
    }
  }
  for (const name of ["energy", "pace", "questions_asked", "tone", "talk_to_listen_ratio"]) {
    if (!(name in r)) continue;
    for (const v of r[name] as Record<string, unknown>[]) {
      expect(Object.keys(v).sort()).toEqual(["speaker_id", "value"]);
      expect(["string", "number"]).toContain(typeof v.value);
    }
  }
  for (const i of (r.interruptions ?? []) as Record<string, unknown>[]) {
    for (const k of Object.keys(i)) expect(["start", "end", "speaker_id", "interrupted_speaker_id"]).toContain(k);
    expect(typeof i.start).toBe("number");
    expect(typeof i.end).toBe("number");
  }
}

describe("POST /audio/generic/api/v1/async/analytics/interaction", () => {
  let requestId: string;

  it("answers 202 {request_id, api} at once and POSTs the signed DeepAffects callback to the webhook", async () => {
    const started = Date.now();
    const res = await restSubmit(gw.url, stereo, { apikey: KEY_A, webhook: receiver.url });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body).sort()).toEqual(["api", "request_id"]);
    expect(res.body.api).toBe("interaction-analytics");
    expect(Date.now() - started).toBeLessThan(2000); // accepted, not analysed, before answering
    requestId = res.body.request_id!;

    const [call, ...rest] = await receiver.waitFor(requestId, { timeoutMs: 90_000 });
    expect(rest).toHaveLength(0);
    expect(call.verified, call.verifyError).toBe(true);
    expect(call.headers["content-type"]).toMatch(/application\/json/);
    expect(call.headers["webhook-id"]).toBe(`msg_callback_${requestId}`);
    expect(Math.abs(Number(call.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(120);
    expect(Object.keys(call.body).sort()).toEqual(["request_id", "response"]);
    expect(call.body.request_id).toBe(requestId);
    const r = call.body.response!;
    expectDeepAffectsResponse(r);
    expect("speakers" in r).toBe(false); // our per-speaker extension stays in GraphQL
    expect(r.num_speakers).toBe(2);
    expect(r.talk_to_listen_ratio).toHaveLength(2);
    const truth = fixtureJson<{ interruptions: { speaker: string; interrupted: string }[] }>("stereo-call.json");
    expect(r.interruptions).toHaveLength(truth.interruptions.length);
    expect((r.interruptions as { speaker_id: string }[])[0].speaker_id).toBe(truth.interruptions[0].speaker);
    expect(typeof (r.talk_to_listen_ratio as { value: unknown }[])[0].value).toBe("string");
    expect((r.talk_to_listen_ratio as { value: string }[])[0].value).toMatch(/^\d+:\d+$/);
  });

  it("reports the job through the status endpoint, with the same response", async () => {
    const st = await restStatus(gw.url, requestId, KEY_A);
    expect(st.status).toBe(200);
    expect(st.body.status).toBe("Completed");
    expect(st.body.request_id).toBe(requestId);
    const call = receiver.calls.find((c) => c.body.request_id === requestId)!;
    expect(st.body.response).toEqual(call.body.response);
  });

  it("shows the same job through GraphQL to the same key, with the delivery recorded, and to nobody else", async () => {
    const mine = await gql(gw.url, GetWebhookDeliveryDocument, { requestId }, { apiKey: KEY_A });
    expect(mine.data?.analysis?.status).toBe("COMPLETED");
    const d = mine.data!.analysis!.webhookDelivery!;
    expect(d.status).toBe("DELIVERED");
    expect(d.attempts).toBe(1);
    expect(d.deliveryId).toBe(`msg_callback_${requestId}`);
    expect(d.deliveredAt).toBeTruthy();
    const full = await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY_A });
    expect(full.data?.analysis?.result?.numSpeakers).toBe(2);
    expect(full.data?.analysis?.result?.speakers).toHaveLength(2);
    expect((await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY_B })).data?.analysis).toBeNull();
    expect((await restStatus(gw.url, requestId, KEY_B)).status).toBe(404);
    expect((await restStatus(gw.url, requestId)).status).toBe(401);
  });

  it("sends {request_id, error:{type, message}} when the audio cannot be decoded", async () => {
    const wav = Buffer.from(fixtureBase64("speech-pcm16-16k.wav"), "base64");
    const corrupt = Buffer.concat([wav.subarray(0, 12), Buffer.from("not a fmt chunk at all, just bytes")]);
    const res = await restSubmit(gw.url, { content: corrupt.toString("base64"), encoding: "WAV", sampleRate: 16000 }, { apikey: KEY_A, webhook: receiver.url });
    expect(res.status).toBe(202);
    const [call] = await receiver.waitFor(res.body.request_id!, { timeoutMs: 60_000 });
    expect(call.verified).toBe(true);
    expect(Object.keys(call.body).sort()).toEqual(["error", "request_id"]);
    expect(Object.keys(call.body.error!).sort()).toEqual(["message", "type"]);
    expect(call.body.error!.type).toBe("audio_decode_error");
    expect(call.body.error!.message).toMatch(/WAV/);
    const st = await restStatus(gw.url, res.body.request_id!, KEY_A);
    expect(st.body.status).toBe("Failed");
    expect(st.body.error).toEqual(call.body.error);
  });

  it("delivers the callback of a GraphQL submission with a webhook too, signed with that key's secret", async () => {
    const res = await gql(
      gw.url,
      SubmitAnalysisDocument,
      { input: { content: fixtureBase64("speech-mulaw-8k.raw"), encoding: "MULAW", sampleRate: 8000, speakers: 1, metrics: ["TALK_TO_LISTEN_RATIO"], webhook: receiverB.url } },
      { apiKey: KEY_B },
    );
    expect(res.errors).toBeUndefined();
    const id = res.data!.submitAnalysis.requestId;
    const [call] = await receiverB.waitFor(id, { timeoutMs: 60_000 });
    expect(call.verified, call.verifyError).toBe(true);
    // key A's secret does not verify key B's callbacks
    expect(receiver.calls.some((c) => c.body.request_id === id)).toBe(false);
    expectDeepAffectsResponse(call.body.response!);
    expect(call.body.response!.num_speakers).toBe(1);
    expect(Object.keys(call.body.response!).sort()).toEqual(["num_speakers", "num_speakers_confidence", "segments", "talk_to_listen_ratio", "total_speech_duration"]);
    const st = await restStatus(gw.url, id, KEY_B);
    expect(st.body.status).toBe("Completed");
  });

  it("reports Running while the job is queued or analysed", async () => {
    const res = await restSubmit(gw.url, stereo, { apikey: KEY_A, webhook: receiver.url });
    const st = await restStatus(gw.url, res.body.request_id!, KEY_A);
    expect(["Running", "Completed"]).toContain(st.body.status);
    await receiver.waitFor(res.body.request_id!, { timeoutMs: 90_000 });
    await eventually(async () => (await restStatus(gw.url, res.body.request_id!, KEY_A)).body.status === "Completed");
  });

  it("takes a client request_id, treats the same request again as the same job, and refuses reuse with other input", async () => {
    const id = `client-${Date.now()}`;
    const body = { content: fixtureBase64("speech-alaw-8k.raw"), encoding: "ALAW", sampleRate: 8000, metrics: ["talk_to_listen_ratio"] };
    const first = await restSubmit(gw.url, body, { apikey: KEY_A, webhook: receiver.url, request_id: id });
    expect(first.status).toBe(202);
    expect(first.body.request_id).toBe(id);
    const again = await restSubmit(gw.url, body, { apikey: KEY_A, webhook: receiver.url, request_id: id });
    expect(again.status).toBe(202);
    expect(again.body.request_id).toBe(id);
    const other = await restSubmit(gw.url, { ...body, sampleRate: 16000 }, { apikey: KEY_A, webhook: receiver.url, request_id: id });
    expect(other.status).toBe(400);
    expect(other.body.error?.type).toBe("params_invalid");
    expect(other.body.error?.message).toMatch(/^request_id: .*already used/);
    await receiver.waitFor(id, { timeoutMs: 60_000 });
  });
});

describe("requests shaped as DeepAffects' SDK shapes them", () => {
  // deepaffects 1.4.1 Audio.from_file: encoding = MediaInfo's format name, sampleRate a string
  const sdk = (file: string, encoding: string, sampleRate: string) => ({ encoding, sampleRate, languageCode: "en-US", content: fixtureBase64(file) });

  it("accepts Wave / MPEG Audio / FLAC / Ogg with a string sampleRate, and analyses each", async () => {
    const requests = [
      sdk("stereo-call.wav", "Wave", "8000"),
      sdk("speech-16k.mp3", "MPEG Audio", "16000"),
      sdk("speech-16k.flac", "FLAC", "16000"),
      sdk("speech-16k.opus", "Ogg", "48000"),
      sdk("speech-16k.ogg", "Ogg", "16000"),
      // a mislabel that decodes is not an error: the bytes are FLAC
      sdk("speech-16k.flac", "mp3", "16000"),
    ];
    const ids: string[] = [];
    for (const body of requests) {
      const res = await restSubmit(gw.url, body, { apikey: KEY_A, webhook: receiver.url });
      expect(res.status, `${body.encoding}: ${JSON.stringify(res.body)}`).toBe(202);
      ids.push(res.body.request_id!);
    }
    for (const [i, id] of ids.entries()) {
      const [call] = await receiver.waitFor(id, { timeoutMs: 120_000 });
      expect(call.verified).toBe(true);
      expect(call.body.error, `${requests[i].encoding}: ${JSON.stringify(call.body.error)}`).toBeUndefined();
      expect(call.body.response!.num_speakers).toBeGreaterThanOrEqual(1);
    }
  }, 180_000);

  it("takes encoding names in any case, with the aliases clients use", async () => {
    const names = ["wav", "WAVE", "wave", "audio/x-wav", "pcm", "LINEAR16", "linear16"];
    for (const encoding of names) {
      const res = await restSubmit(gw.url, { ...sdk("speech-pcm16-16k.wav", encoding, "16000"), metrics: ["talk_to_listen_ratio"] }, { apikey: KEY_A, webhook: receiver.url });
      expect(res.status, `${encoding}: ${JSON.stringify(res.body)}`).toBe(202);
    }
    for (const encoding of ["mulaw", "u-law", "ULAW", "µ-law", "G.711 u-law"]) {
      const res = await restSubmit(gw.url, { ...sdk("speech-mulaw-8k.raw", encoding, "8000"), metrics: ["talk_to_listen_ratio"] }, { apikey: KEY_A, webhook: receiver.url });
      expect(res.status, `${encoding}: ${JSON.stringify(res.body)}`).toBe(202);
    }
    for (const encoding of ["alaw", "A-law", "PCMA"]) {
      const res = await restSubmit(gw.url, { ...sdk("speech-alaw-8k.raw", encoding, "8000"), metrics: ["talk_to_listen_ratio"] }, { apikey: KEY_A, webhook: receiver.url });
      expect(res.status, `${encoding}: ${JSON.stringify(res.body)}`).toBe(202);
    }
  });

  it("fails a mislabelled file that does not decode with a message naming what was found", async () => {
    const flac = Buffer.from(fixtureBase64("speech-16k.flac"), "base64");
    const cut = flac.subarray(0, Math.floor(flac.length * 0.6)).toString("base64");
    const res = await restSubmit(gw.url, { encoding: "MPEG Audio", sampleRate: "16000", content: cut }, { apikey: KEY_A, webhook: receiver.url });
    expect(res.status).toBe(202);
    const [call] = await receiver.waitFor(res.body.request_id!, { timeoutMs: 60_000 });
    expect(call.body.error?.type).toBe("audio_decode_error");
    expect(call.body.error?.message).toMatch(/^declared MP3 but the bytes are a FLAC stream, which could not be decoded: truncated/);
    const text = Buffer.from("hello, this is not audio").toString("base64");
    const junk = await restSubmit(gw.url, { encoding: "Wave", sampleRate: "8000", content: text }, { apikey: KEY_A, webhook: receiver.url });
    const [junkCall] = await receiver.waitFor(junk.body.request_id!, { timeoutMs: 60_000 });
    expect(junkCall.body.error?.message).toMatch(/^declared WAV but the bytes are not a recognised audio container \(they start with 68 65 6c 6c 6f/);
  });
});

describe("REST errors", () => {
  const base = { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 };
  const bad = async (body: unknown, query: Record<string, string | undefined>, status: number, type: string, message: RegExp, raw?: string) => {
    const res = await restSubmit(gw.url, body, query, { raw });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error?.type).toBe(type);
    expect(res.body.error?.message).toMatch(message);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
  };
  const q = () => ({ apikey: KEY_A, webhook: receiver.url });

  it("401 for a missing or wrong apikey", async () => {
    await bad(base, { webhook: receiver.url }, 401, "unauthorized", /apikey/);
    await bad(base, { apikey: "not-a-key-at-all", webhook: receiver.url }, 401, "unauthorized", /apikey/);
  });
  it("400 params_invalid without a webhook", () => bad(base, { apikey: KEY_A }, 400, "params_invalid", /^webhook: .*required/));
  it("400 for both url and content", () => bad({ ...base, url: "https://example.com/a.wav" }, q(), 400, "params_invalid", /^content: .*not both/));
  it("400 for neither url nor content", () => bad({ encoding: "WAV", sampleRate: 16000 }, q(), 400, "params_invalid", /^content: give exactly one/));
  it("400 for bad base64", () => bad({ ...base, content: "@@@@" }, q(), 400, "params_invalid", /^content: is not valid base64/));
  it("400 for an unknown encoding", () => bad({ ...base, encoding: "AAC" }, q(), 400, "params_invalid", /^encoding: unsupported encoding "AAC"; expected one of WAV, FLAC/));
  it("400 for an unknown metric", () => bad({ ...base, metrics: ["happiness"] }, q(), 400, "params_invalid", /^metrics: unknown metric "happiness"/));
  it("400 for a sampleRate out of range", () => bad({ ...base, sampleRate: 96000 }, q(), 400, "params_invalid", /^sampleRate: must be between 8000 and 48000/));
  it("400 for a wrong type", async () => {
    await bad({ ...base, sampleRate: true }, q(), 400, "params_invalid", /^sampleRate: must be an integer \(a number or a string of digits\)/);
    await bad({ ...base, sampleRate: "sixteen thousand" }, q(), 400, "params_invalid", /^sampleRate: is required and must be an integer/);
    await bad({ ...base, encoding: 7 }, q(), 400, "params_invalid", /^encoding: Expected string, received number/);
  });
  it("400 for an unknown field", () => bad({ ...base, sample_rate: 16000 }, q(), 400, "params_invalid", /"sample_rate": unknown field; accepted fields are/));
  it("400 for a body that is not JSON or not an object", async () => {
    await bad(undefined, q(), 400, "params_invalid", /body: not valid JSON/, "{not json");
    await bad(undefined, q(), 400, "params_invalid", /body: must be a JSON object/, "[1,2]");
  });
  it("400 for a webhook or url on a private address", async () => {
    await bad(base, { apikey: KEY_A, webhook: "http://10.0.0.5/hook" }, 400, "params_invalid", /^webhook: 10\.0\.0\.5 is a private/);
    await bad({ url: "http://169.254.169.254/latest/meta-data/", encoding: "WAV", sampleRate: 16000 }, q(), 400, "params_invalid", /^url: 169\.254\.169\.254 is a private/);
    await bad(base, { apikey: KEY_A, webhook: "http://localhost:9/hook" }, 400, "params_invalid", /^webhook: localhost is a private/);
  });
  it("accepts DeepAffects' audioType and doVad, and lower-case metric names", async () => {
    const res = await restSubmit(gw.url, { ...base, audioType: "callcenter", doVad: true, metrics: ["talk_to_listen_ratio", "interruptions"] }, q());
    expect(res.status).toBe(202);
    await receiver.waitFor(res.body.request_id!, { timeoutMs: 60_000 });
  });
  it("400 for a status request without request_id, 404 for an unknown one", async () => {
    const none = await restStatus(gw.url, undefined, KEY_A);
    expect(none.status).toBe(400);
    expect(none.body.error?.type).toBe("params_invalid");
    const unknown = await restStatus(gw.url, "no-such-request", KEY_A);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.type).toBe("not_found");
  });
});

describe("REST body limits", () => {
  let small: Gateway;
  beforeAll(async () => {
    small = await startTestGateway({ API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`, HOST: "127.0.0.1", RUN_WORKER: "false", MAX_AUDIO_BYTES: String(30 * 1024), MAX_BODY_BYTES: String(200 * 1024) });
  });
  afterAll(() => small?.close());

  it("413 for a body over MAX_BODY_BYTES", async () => {
    const res = await restSubmit(small.url, { content: "A".repeat(300 * 1024), encoding: "WAV", sampleRate: 16000 }, { apikey: KEY_A, webhook: "https://example.com/hook" });
    expect(res.status).toBe(413);
    expect(res.body.error?.type).toBe("payload_too_large");
  });
  it("413 for audio over MAX_AUDIO_BYTES inside an acceptable body", async () => {
    const res = await restSubmit(small.url, { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000 }, { apikey: KEY_A, webhook: "https://example.com/hook" });
    expect(res.status).toBe(413);
    expect(res.body.error?.message).toMatch(/^content: audio is \d+ bytes, larger than the limit of 30720 bytes/);
  });
  it("does not read the body of an unauthenticated request", async () => {
    const res = await restSubmit(small.url, { content: "A".repeat(300 * 1024) }, { apikey: "wrong-key-0000000", webhook: "https://example.com/hook" });
    expect(res.status).toBe(401);
  });
});
