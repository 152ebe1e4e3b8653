/** Shared pieces of the fault scenarios: submitting jobs and watching them from outside. */
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { AnalysisCompletedDocument, GetAnalysisDocument } from "../generated/graphql.js";
import { fixtureBase64 } from "../helpers/audio.js";
import { gql } from "../helpers/graphql-client.js";
import { KEY_A, restSubmit } from "../rest/receiver.js";

export const AUDIO = fixtureBase64("speech-pcm16-16k.wav");

/** Submits `n` jobs alternately over REST and GraphQL, each with `webhook` (16 kHz WAV `audio`, base64). */
export async function submitJobs(baseUrl: string, n: number, webhook: string, tag: string, audio = AUDIO): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const requestId = `${tag}-${i}`;
    if (i % 2 === 0) {
      const res = await restSubmit(baseUrl, { content: audio, encoding: "WAV", sampleRate: 16000, metrics: ["talk_to_listen_ratio"] }, { apikey: KEY_A, webhook, request_id: requestId });
      if (res.status !== 202) throw new Error(`REST submit ${requestId}: ${res.status} ${JSON.stringify(res.body)}`);
    } else {
      const res = await gql(baseUrl, (await import("../generated/graphql.js")).SubmitAnalysisDocument, { input: { content: audio, encoding: "WAV", sampleRate: 16000, metrics: ["TALK_TO_LISTEN_RATIO"], requestId, webhook } }, { apiKey: KEY_A });
      if (res.errors) throw new Error(`GraphQL submit ${requestId}: ${JSON.stringify(res.errors)}`);
    }
    ids.push(requestId);
  }
  return ids;
}

/**
 * A subscriber per job (graphql-ws, several connections, reconnecting). Records the final
 * status each one received; a subscription whose socket dropped is subscribed again, as a
 * real client would (and then gets the stored final state at once).
 */
export function subscribeAll(baseUrl: string, ids: string[], perConnection = 50) {
  const received = new Map<string, string>();
  const clients: Client[] = [];
  for (let i = 0; i < ids.length; i += perConnection) {
    const client = createClient({
      url: baseUrl.replace(/^http/, "ws") + "/graphql",
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: KEY_A },
      retryAttempts: 1000,
      retryWait: async () => new Promise((r) => setTimeout(r, 500)),
      shouldRetry: () => true,
      lazy: true,
    });
    clients.push(client);
    for (const requestId of ids.slice(i, i + perConnection)) {
      client.subscribe<{ analysisCompleted: { status: string } }>(
        { query: print(AnalysisCompletedDocument), variables: { requestId } },
        {
          next: (v) => {
            const s = v.data?.analysisCompleted?.status;
            if (s) received.set(requestId, s);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
  }
  return {
    received,
    dispose: () => Promise.all(clients.map((c) => c.dispose())),
  };
}

export async function statusOf(baseUrl: string, requestId: string) {
  return (await gql(baseUrl, GetAnalysisDocument, { requestId }, { apiKey: KEY_A })).data?.analysis?.status;
}

export async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number, diag: () => string = () => "") {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${diag()}`);
}
