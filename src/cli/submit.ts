/**
 * `interaction-analytics submit <file> --server URL [--key K] [analyze's options]`: analyses a
 * file on a running gateway instead of locally. Uploads it (POST /v1/uploads, streamed from
 * disk, progress on stderr), submits `submitAnalysis(input: {uploadId, ...})`, waits on the
 * `analysisCompleted` subscription (graphql-ws; reconnects and re-subscribes if the socket
 * drops: the server answers with the stored state), then prints the result exactly as
 * `analyze` does (summary, or --json: the same DeepAffects-format response).
 */
import { createReadStream, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { AnalysisOptions, DeepAffectsResponse } from "../analysis/types.js";

/** Upload, submission and wait failures: one line for the user, exit code 1. */
export class SubmitError extends Error {}

type Progress = (line: string) => void;

/** Streams the file as the body of POST /v1/uploads; resolves with the upload id. */
export function uploadFile(server: string, key: string | undefined, file: string, progress?: Progress): Promise<{ uploadId: string; bytes: number }> {
  const size = statSync(file).size;
  const url = new URL("/v1/uploads", server);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/octet-stream", "content-length": String(size), ...(key ? { authorization: `Bearer ${key}` } : {}) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let body: { uploadId?: string; bytes?: number; error?: { message?: string } } = {};
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON: reported below */
          }
          if (res.statusCode === 201 && body.uploadId) resolve({ uploadId: body.uploadId, bytes: body.bytes ?? size });
          else reject(new SubmitError(`upload refused (HTTP ${res.statusCode}): ${body.error?.message ?? text.slice(0, 200)}`));
        });
      },
    );
    req.on("error", (err) => reject(new SubmitError(`cannot reach ${server}: ${err.message}`)));
    let sent = 0;
    const stream = createReadStream(file);
    stream.on("data", (chunk) => {
      sent += chunk.length;
      progress?.(`upload     ${bar(sent / size)} ${(sent / 2 ** 20).toFixed(1)} / ${(size / 2 ** 20).toFixed(1)} MiB`);
    });
    stream.on("error", (err) => (req.destroy(), reject(new SubmitError(err.message))));
    stream.pipe(req);
  });
}

const bar = (f: number) => `${"#".repeat(Math.round(f * 30)).padEnd(30, ".")} ${(100 * f).toFixed(0).padStart(3)}%`;

async function graphql<T>(server: string, key: string | undefined, query: string, variables: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL("/graphql", server), {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new SubmitError(`cannot reach ${server}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new SubmitError(body.errors.map((e) => e.message).join("; "));
  if (!body.data) throw new SubmitError(`unexpected answer from ${server}/graphql (HTTP ${res.status})`);
  return body.data;
}

const RESULT_FIELDS = `
  numSpeakers numSpeakersConfidence numSpeakersRunnerUp totalSpeechDuration
  segments { speakerId start end text confidence speakerConfidence emotion emotionScore emotions { label score } }
  energy { speakerId value } pace { speakerId value } questionsAsked { speakerId value } tone { speakerId value }
  talkToListenRatio { speakerId value }
  interruptions { start end speakerId interruptedSpeakerId }
  speakers { speakerId talkSeconds turns longestMonologue interruptionsMade interruptionsReceived talkToListen energyDb energy paceValue paceUnit wordsPerMinute questions { start end text } tone }
  silence { totalSeconds ratio thresholdSeconds instances { start end duration } }`;

const SUBMIT = `mutation($input: SubmitAnalysisInput!) { submitAnalysis(input: $input) { requestId } }`;
const UPDATED = `subscription($requestId: ID!) { analysisUpdated(requestId: $requestId) { status progress stage } }`;
const COMPLETED = `subscription($requestId: ID!) { analysisCompleted(requestId: $requestId) { status error { type message } result { ${RESULT_FIELDS} } } }`;

type G = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const drop = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
const values = (l?: G[] | null) => l?.map((v) => ({ speaker_id: v.speakerId, value: v.value }));

/** The GraphQL result back in the DeepAffects shape `analyze` prints (the inverse of src/graphql/mappers.ts). */
export function fromGraphQL(r: G): DeepAffectsResponse {
  const out: G = {
    num_speakers: r.numSpeakers,
    ...drop({ num_speakers_confidence: r.numSpeakersConfidence, num_speakers_runner_up: r.numSpeakersRunnerUp }),
    total_speech_duration: r.totalSpeechDuration,
    segments: r.segments.map((s: G) => drop({ speaker_id: s.speakerId, start: s.start, end: s.end, text: s.text, confidence: s.confidence, speaker_confidence: s.speakerConfidence, emotion: s.emotion, emotion_score: s.emotionScore, emotions: s.emotions })),
    speakers: r.speakers.map((s: G) =>
      drop({
        speaker_id: s.speakerId,
        talk_seconds: s.talkSeconds,
        turns: s.turns,
        longest_monologue_seconds: s.longestMonologue,
        interruptions_made: s.interruptionsMade,
        interruptions_received: s.interruptionsReceived,
        talk_to_listen: s.talkToListen,
        energy_db: s.energyDb,
        energy: s.energy,
        pace_value: s.paceValue,
        pace_unit: s.paceUnit,
        words_per_minute: s.wordsPerMinute,
        questions: s.questions?.map((q: G) => drop(q)),
        tone: s.tone,
      }),
    ),
  };
  for (const [from, to] of [["energy", "energy"], ["pace", "pace"], ["questionsAsked", "questions_asked"], ["tone", "tone"], ["talkToListenRatio", "talk_to_listen_ratio"]]) {
    if (r[from!]) out[to!] = values(r[from!]);
  }
  if (r.interruptions) out.interruptions = r.interruptions.map((i: G) => drop({ start: i.start, end: i.end, speaker_id: i.speakerId, interrupted_speaker_id: i.interruptedSpeakerId }));
  if (r.silence) out.silence = { total_seconds: r.silence.totalSeconds, ratio: r.silence.ratio, threshold_seconds: r.silence.thresholdSeconds, instances: r.silence.instances };
  return out as DeepAffectsResponse;
}

/** Uploads, submits and waits; resolves with the result, rejects with a SubmitError. */
export async function submitFile(opts: { server: string; key?: string; file: string; options: AnalysisOptions; progress?: Progress; timeoutMs?: number }): Promise<DeepAffectsResponse> {
  const { server, key, file, options, progress } = opts;
  const { uploadId } = await uploadFile(server, key, file, progress);
  const input = {
    uploadId,
    encoding: options.encoding,
    sampleRate: options.sampleRate,
    languageCode: options.languageCode,
    metrics: options.metrics.map((m) => m.toUpperCase()),
    speakers: options.speakers,
    separateSpeakerPerChannel: options.separateSpeakerPerChannel,
  };
  const { submitAnalysis } = await graphql<{ submitAnalysis: { requestId: string } }>(server, key, SUBMIT, { input });
  const requestId = submitAnalysis.requestId;
  progress?.(`queued     ${requestId}`);
  const client = createClient({
    url: new URL("/graphql", server).href.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: key ? { apiKey: key } : {},
    retryAttempts: 20,
    shouldRetry: () => true,
  });
  try {
    return await new Promise<DeepAffectsResponse>((resolve, reject) => {
      const timer = opts.timeoutMs ? setTimeout(() => reject(new SubmitError(`no result within ${opts.timeoutMs} ms (request ${requestId})`)), opts.timeoutMs) : undefined;
      const fail = (err: unknown) => {
        clearTimeout(timer);
        const msg = Array.isArray(err) ? err.map((e) => e.message).join("; ") : err instanceof Error ? err.message : `connection closed (${(err as { code?: number })?.code ?? "?"})`;
        reject(new SubmitError(`waiting for ${requestId}: ${msg}`));
      };
      client.subscribe<{ analysisUpdated: { status: string; progress?: number; stage?: string } }>(
        { query: UPDATED, variables: { requestId } },
        { next: (v) => { const u = v.data?.analysisUpdated; if (u?.status === "RUNNING") progress?.(`${(u.stage ?? "running").padEnd(10)} ${bar(u.progress ?? 0)}`); }, error: () => undefined, complete: () => undefined },
      );
      client.subscribe<{ analysisCompleted: { status: string; error?: { type: string; message: string }; result?: G } }>(
        { query: COMPLETED, variables: { requestId } },
        {
          next: (v) => {
            const c = v.data?.analysisCompleted;
            if (!c) return v.errors ? fail(v.errors) : undefined;
            clearTimeout(timer);
            if (c.status === "COMPLETED" && c.result) resolve(fromGraphQL(c.result));
            else reject(new SubmitError(`analysis ${requestId} failed: ${c.error ? `${c.error.type}: ${c.error.message}` : c.status}`));
          },
          error: fail,
          complete: () => undefined,
        },
      );
    });
  } finally {
    await client.dispose();
  }
}
