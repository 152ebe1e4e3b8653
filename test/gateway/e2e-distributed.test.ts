import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { AnalysisCompletedDocument, AnalysisUpdatedDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, startTestGateway, uniquePrefix } from "../helpers/gateway.js";
import { collect, gql, wsClient } from "../helpers/graphql-client.js";
import { spawnEntry, stop } from "../helpers/processes.js";

// Distributed mode: two gateway-only replicas on one Redis and a separate worker process
// (the compiled `npm run worker` entry) that posts its results to replica B's webhook door.
const prefix = uniquePrefix();
let a: Gateway;
let b: Gateway;
let worker: ChildProcess & { output: () => string };

beforeAll(async () => {
  const env = { REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_SECRET: TEST_SECRET, RUN_WORKER: "false" };
  a = await startTestGateway(env);
  b = await startTestGateway(env);
  worker = spawnEntry("worker-main", { REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_SECRET: TEST_SECRET, PUBLIC_URL: b.url });
});
afterAll(async () => {
  await stop(worker);
  await a?.close();
  await b?.close();
});

describe("distributed mode", () => {
  it("a job submitted at replica A, analysed by a worker process, completes for a subscriber on A via B's webhook door", async () => {
    const res = await gql(a.url, SubmitAnalysisDocument, {
      input: { content: fixtureBase64("stereo-call.wav"), encoding: "WAV", sampleRate: 8000, separateSpeakerPerChannel: true },
    });
    expect(res.errors).toBeUndefined();
    const requestId = res.data!.submitAnalysis.requestId;
    const client = wsClient(a.url);
    let events;
    let updates;
    try {
      [events, updates] = await Promise.all([
        collect(client, AnalysisCompletedDocument, { requestId }, 90_000),
        collect(client, AnalysisUpdatedDocument, { requestId }, 90_000),
      ]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nworker output:\n${worker.output()}`);
    } finally {
      await client.dispose();
    }
    // the worker process's progress reaches replica A's subscriber through Redis
    const seen = updates.map((u) => u.data?.analysisUpdated);
    expect(seen.map((u) => u?.status)).toContain("RUNNING");
    expect(seen.some((u) => u?.status === "RUNNING" && (u.progress ?? 0) > 0 && u.stage)).toBe(true);
    expect(seen.at(-1)?.status).toBe("COMPLETED");
    const analysis = events[0].data!.analysisCompleted;
    expect(analysis.status, worker.output()).toBe("COMPLETED");
    expect(analysis.result!.numSpeakers).toBe(2);
    expect(analysis.result!.talkToListenRatio).toHaveLength(2);
    expect(analysis.result!.interruptions).toHaveLength(1);
  });
});
