import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, AnalysisUpdatedDocument, GetAnalysisDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64, fixtureJson } from "../helpers/audio.js";
import { startTestGateway } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";

// Embedded mode end to end: GraphQL in, real analysis in a worker thread, signed webhook
// back to this process, subscription out.
let gw: Gateway;
beforeAll(async () => {
  gw = await startTestGateway({ TRANSCRIBER: "none" });
});
afterAll(() => gw?.close());

interface Truth {
  segments: { speaker: string; start: number; end: number }[];
  interruptions: { speaker: string; interrupted: string; start: number; end: number }[];
}

describe("embedded mode, stereo call with known turns", () => {
  it("streams progress and completes with two speakers, their talk ratio and the interruption", async () => {
    const truth = fixtureJson<Truth>("stereo-call.json");
    const submitted = await gql(gw.url, SubmitAnalysisDocument, {
      input: { content: fixtureBase64("stereo-call.wav"), encoding: "WAV", sampleRate: 8000, separateSpeakerPerChannel: true },
    });
    expect(submitted.errors).toBeUndefined();
    const requestId = submitted.data!.submitAnalysis.requestId;
    const client = wsClient(gw.url);
    const [updates, completed] = await Promise.all([
      collect(client, AnalysisUpdatedDocument, { requestId }),
      collect(client, AnalysisCompletedDocument, { requestId }),
    ]);
    await client.dispose();

    const statuses = updates.map((u) => u.data?.analysisUpdated.status);
    expect(statuses.at(-1)).toBe("COMPLETED");
    expect(statuses).toContain("RUNNING");
    const progress = updates.map((u) => u.data?.analysisUpdated.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b)); // never goes backwards

    expect(completed).toHaveLength(1);
    const a = completed[0].data!.analysisCompleted;
    expect(a.status).toBe("COMPLETED");
    const r = a.result!;
    expect(r.numSpeakers).toBe(2);

    // talk ratio from the known turns: talk / (talk + listen) per speaker
    const talk = (sp: string) => truth.segments.filter((s) => s.speaker === sp).reduce((x, s) => x + s.end - s.start, 0);
    const speech = r.totalSpeechDuration;
    expect(speech).toBeGreaterThan(11);
    expect(speech).toBeLessThan(14.5);
    const ratio0 = Number(String(r.talkToListenRatio!.find((v) => v.speakerId === "0")!.value).split(":")[0]);
    const expected0 = (100 * talk("0")) / (talk("0") + talk("1"));
    expect(Math.abs(ratio0 - expected0)).toBeLessThan(8);
    expect(ratio0).toBeGreaterThan(50); // channel 0 talks more

    // exactly the one known interruption, who interrupted whom, within 0.5 s
    expect(r.interruptions).toHaveLength(1);
    const [i] = r.interruptions!;
    expect(i.speakerId).toBe(truth.interruptions[0].speaker);
    expect(i.interruptedSpeakerId).toBe(truth.interruptions[0].interrupted);
    expect(Math.abs(i.start - truth.interruptions[0].start)).toBeLessThan(0.5);

    // every DeepAffects field is present (acoustic metrics; no recognizer in this test)
    for (const list of [r.energy, r.pace, r.questionsAsked, r.tone]) expect(list?.map((v) => v.speakerId).sort()).toEqual(["0", "1"]);
    for (const seg of r.segments) {
      expect(seg.emotion).toMatch(/\w+/);
      expect(seg.emotionScore).toBeGreaterThanOrEqual(0);
      expect(seg.emotionScore).toBeLessThanOrEqual(1);
      // the whole distribution (absent only for segments with too little voiced speech):
      // 7 DeepAffects labels summing to 1, the label's score among them
      if (!seg.emotions) continue;
      expect(seg.emotions.map((e) => e.label)).toEqual(["joy", "sadness", "anger", "fear", "disgust", "surprise", "neutral"]);
      expect(seg.emotions.reduce((s, e) => s + e.score, 0)).toBeCloseTo(1, 2);
      expect(seg.emotions.find((e) => e.label === seg.emotion)!.score).toBe(seg.emotionScore);
    }
    expect(r.segments.some((seg) => seg.emotions?.length === 7)).toBe(true);
    expect(r.silence?.totalSeconds).toBeGreaterThan(0);

    const s0 = r.speakers.find((s) => s.speakerId === "0")!;
    expect(s0.interruptionsReceived).toBe(1);
    expect(s0.talkSeconds).toBeGreaterThan(talk("0") - 1);
  });

  it("omits metrics that were not requested", async () => {
    const submitted = await gql(gw.url, SubmitAnalysisDocument, {
      input: { content: fixtureBase64("stereo-call.wav"), encoding: "WAV", sampleRate: 8000, metrics: ["TALK_TO_LISTEN_RATIO"] },
    });
    const requestId = submitted.data!.submitAnalysis.requestId;
    const client = wsClient(gw.url);
    const [done] = await collect(client, AnalysisCompletedDocument, { requestId });
    await client.dispose();
    const r = done.data!.analysisCompleted.result!;
    expect(r.talkToListenRatio).toHaveLength(2); // auto-detected per-channel stereo
    expect(r.interruptions).toBeNull();
    expect(r.energy).toBeNull();
  });

  it("ends corrupt audio as FAILED with a readable error, and keeps serving", async () => {
    const wav = Buffer.from(fixtureBase64("speech-pcm16-16k.wav"), "base64");
    const corrupt = Buffer.concat([wav.subarray(0, 12), Buffer.from("garbage!garbage!garbage!")]);
    const submitted = await gql(gw.url, SubmitAnalysisDocument, { input: { content: corrupt.toString("base64"), encoding: "WAV", sampleRate: 16000 } });
    const requestId = submitted.data!.submitAnalysis.requestId;
    const client = wsClient(gw.url);
    const [done] = await collect(client, AnalysisCompletedDocument, { requestId });
    await client.dispose();
    const a = done.data!.analysisCompleted;
    expect(a.status).toBe("FAILED");
    expect(a.error?.type).toBe("audio_decode_error");
    expect(a.error?.message).toMatch(/WAV/);
    const again = await gql(gw.url, GetAnalysisDocument, { requestId });
    expect(again.data?.analysis?.status).toBe("FAILED");
  });

  it("decodes raw MULAW at the declared sample rate", async () => {
    const submitted = await gql(gw.url, SubmitAnalysisDocument, {
      input: { content: fixtureBase64("speech-mulaw-8k.raw"), encoding: "MULAW", sampleRate: 8000, speakers: 1 },
    });
    const requestId = submitted.data!.submitAnalysis.requestId;
    const client = wsClient(gw.url);
    const [done] = await collect(client, AnalysisCompletedDocument, { requestId });
    await client.dispose();
    const a = done.data!.analysisCompleted;
    expect(a.status).toBe("COMPLETED");
    expect(a.result!.numSpeakers).toBe(1);
    expect(a.result!.totalSpeechDuration).toBeGreaterThan(0.5);
  });
});
