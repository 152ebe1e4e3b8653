import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { SubmitAnalysisDocument, type SubmitAnalysisInput } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { startTestGateway } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";

let gw: Gateway;
const wav = fixtureBase64("speech-pcm16-16k.wav");
const base: SubmitAnalysisInput = { content: wav, encoding: "WAV", sampleRate: 16000 };

beforeAll(async () => {
  // Gateway only: validation is the subject, no analysis needed.
  gw = await startTestGateway({ RUN_WORKER: "false", MAX_AUDIO_BYTES: String(200 * 1024) });
});
afterAll(() => gw?.close());

async function expectBadInput(input: Partial<SubmitAnalysisInput> & Record<string, unknown>, field: string, message: RegExp, code = "BAD_USER_INPUT") {
  const res = await gql(gw.url, SubmitAnalysisDocument, { input: input as SubmitAnalysisInput });
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.[0]?.extensions?.code).toBe(code);
  expect(res.errors?.[0]?.message).toMatch(message);
  if (field) expect(res.errors?.[0]?.extensions?.field).toBe(field);
}

describe("submitAnalysis input validation", () => {
  it("accepts a valid submission and returns a request id at once", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input: base });
    expect(res.errors).toBeUndefined();
    expect(res.data?.submitAnalysis.requestId).toMatch(/\S+/);
    expect(res.data?.submitAnalysis.api).toBe("interaction-analytics");
    expect(res.data?.submitAnalysis.status).toBe("QUEUED");
  });

  it("rejects both content and url", () => expectBadInput({ ...base, url: "https://example.com/a.wav" }, "content", /exactly one of content, url and uploadId, not both content and url/));
  it("rejects neither content nor url", () => expectBadInput({ encoding: "WAV", sampleRate: 16000 }, "content", /exactly one of content/));
  it("rejects base64 that does not decode", () => expectBadInput({ ...base, content: "not base64!!" }, "content", /not valid base64/));
  it("rejects base64 with wrong padding", () => expectBadInput({ ...base, content: "QUJD=" }, "content", /not valid base64/));
  it("rejects empty content", () => expectBadInput({ ...base, content: "" }, "content", /is empty/));
  it("rejects an unsupported encoding", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input: { ...base, encoding: "AIFF" as never } });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/AIFF/);
  });
  it("rejects sampleRate below 8000", () => expectBadInput({ ...base, sampleRate: 7999 }, "sampleRate", /between 8000 and 48000/));
  it("rejects sampleRate above 48000", () => expectBadInput({ ...base, sampleRate: 96000 }, "sampleRate", /between 8000 and 48000/));
  it("rejects speakers 0", () => expectBadInput({ ...base, speakers: 0 }, "speakers", /-1 \(detect\) or an integer from 1 to 20/));
  it("rejects speakers 21", () => expectBadInput({ ...base, speakers: 21 }, "speakers", /from 1 to 20/));
  it("rejects speakers -2", () => expectBadInput({ ...base, speakers: -2 }, "speakers", /from 1 to 20/));
  it("rejects audio larger than the configured limit", () =>
    expectBadInput({ ...base, content: Buffer.alloc(300 * 1024, 1).toString("base64") }, "content", /larger than the limit of 204800 bytes/, "PAYLOAD_TOO_LARGE"));
  it("rejects a malformed requestId", () => expectBadInput({ ...base, requestId: "bad id with spaces" }, "requestId", /letters, digits/));
  it("rejects an invalid url", async () => {
    const res = await gql(gw.url, SubmitAnalysisDocument, { input: { encoding: "WAV", sampleRate: 16000, url: "not a url" } });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/url/i);
  });
  it("rejects a non-http url", () => expectBadInput({ encoding: "WAV", sampleRate: 16000, url: "ftp://example.com/a.wav" }, "url", /http or https/));
  it("rejects a bad languageCode", () => expectBadInput({ ...base, languageCode: "english please" }, "languageCode", /BCP-47/));

  it("treats the same requestId with the same input as idempotent, with different input as an error", async () => {
    const requestId = `idem-${Date.now()}`;
    const first = await gql(gw.url, SubmitAnalysisDocument, { input: { ...base, requestId } });
    const again = await gql(gw.url, SubmitAnalysisDocument, { input: { ...base, requestId } });
    expect(first.data?.submitAnalysis.requestId).toBe(requestId);
    expect(again.data?.submitAnalysis.requestId).toBe(requestId);
    await expectBadInput({ ...base, requestId, speakers: 2 }, "requestId", /already used for a different submission/);
  });

  it("answers a malformed JSON body with 400, and stays up", async () => {
    const res = await fetch(`${gw.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    const ok = await gql(gw.url, SubmitAnalysisDocument, { input: base });
    expect(ok.data?.submitAnalysis.requestId).toBeTruthy();
  });
});
