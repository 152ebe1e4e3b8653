import { print } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { AnalysisCompletedDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { REDIS_URL, TEST_SECRET, uniquePrefix } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { CLIENT_SECRET_A, KEY_A } from "../rest/receiver.js";
import { statusOf, until } from "./common.js";
import { kill, startGatewayProcess } from "./helpers.js";

// SIGTERM drains: the running job finishes (its subscriber gets the result), WebSockets
// close with 1001 Going Away, and the process exits 0.
let a: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
let b: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
afterAll(async () => {
  await kill(a?.proc);
  await kill(b?.proc, "SIGTERM");
});

describe("graceful shutdown", () => {
  it("finishes the running job, closes WebSockets with 1001 and exits 0 on SIGTERM", async () => {
    const env = { REDIS_URL, REDIS_PREFIX: uniquePrefix(), WEBHOOK_SECRET: TEST_SECRET, API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`, HOST: "127.0.0.1" };
    a = await startGatewayProcess({ ...env, RUN_WORKER: "true" });
    b = await startGatewayProcess({ ...env, RUN_WORKER: "false" });
    const res = await gql(a.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("mono-two-voices.wav"), encoding: "WAV", sampleRate: 16000 } }, { apiKey: KEY_A });
    const requestId = res.data!.submitAnalysis.requestId;
    let closeCode: number | undefined;
    const client = createClient({
      url: a.url.replace(/^http/, "ws") + "/graphql",
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: KEY_A },
      retryAttempts: 0,
      on: { closed: (e) => void (closeCode ??= (e as { code: number }).code) },
    });
    const statuses: string[] = [];
    client.subscribe<{ analysisCompleted: { status: string } }>(
      { query: print(AnalysisCompletedDocument), variables: { requestId } },
      { next: (v) => void (v.data && statuses.push(v.data.analysisCompleted.status)), error: () => undefined, complete: () => undefined },
    );
    // a second subscription, on a job that stays queued, keeps the socket open until the server closes it
    const queued = (await gql(b.url, SubmitAnalysisDocument, { input: { content: fixtureBase64("speech-pcm16-16k.wav"), encoding: "WAV", sampleRate: 16000, requestId: `queued-${requestId}` } }, { apiKey: KEY_A })).data!.submitAnalysis.requestId;
    client.subscribe({ query: print(AnalysisCompletedDocument), variables: { requestId: queued } }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    await until("the job to run", async () => (await statusOf(b!.url, requestId)) === "RUNNING", 30_000, () => a!.proc.output());
    const t0 = Date.now();
    a.proc.kill("SIGTERM");
    const code = await a.proc.exited;
    const took = Date.now() - t0;
    console.log(`graceful shutdown: exited ${code} after ${took} ms; subscriber got ${JSON.stringify(statuses)}; socket closed with ${closeCode}`);
    expect(code, a.proc.output()).toBe(0);
    expect(await statusOf(b.url, requestId)).toBe("COMPLETED");
    expect(statuses).toEqual(["COMPLETED"]);
    expect(closeCode).toBe(1001);
    await client.dispose();
  });
});
