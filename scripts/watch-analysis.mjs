#!/usr/bin/env node
// Prints the analysisUpdated stream of one request, then its final result.
//   node scripts/watch-analysis.mjs <requestId> [ws://127.0.0.1:4000/graphql] [apiKey]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [requestId, url = "ws://127.0.0.1:4000/graphql", apiKey = process.env.API_KEY] = process.argv.slice(2);
if (!requestId) {
  console.error("usage: node scripts/watch-analysis.mjs <requestId> [wsUrl] [apiKey]");
  process.exit(2);
}
const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: apiKey ? { apiKey } : {}, retryAttempts: 0 });
try {
  await new Promise((resolve, reject) =>
    client.subscribe(
      { query: "subscription($requestId: ID!) { analysisUpdated(requestId: $requestId) { status progress stage } }", variables: { requestId } },
      { next: (v) => (v.errors ? reject(new Error(v.errors[0].message)) : console.error(JSON.stringify(v.data.analysisUpdated))), error: reject, complete: resolve },
    ),
  );
  const done = await new Promise((resolve, reject) => {
    let last;
    client.subscribe(
      {
        query: `subscription($requestId: ID!) { analysisCompleted(requestId: $requestId) { requestId status error { type message }
          result { numSpeakers totalSpeechDuration talkToListenRatio { speakerId value } interruptions { start end speakerId interruptedSpeakerId }
                   energy { speakerId value } pace { speakerId value } tone { speakerId value } questionsAsked { speakerId value }
                   segments { speakerId start end text emotion emotionScore } } } }`,
        variables: { requestId },
      },
      { next: (v) => (last = v), error: reject, complete: () => resolve(last) },
    );
  });
  console.log(JSON.stringify(done, null, 2));
} catch (err) {
  console.error(`error: ${err.message ?? JSON.stringify(err)}`);
  process.exitCode = 1;
} finally {
  await client.dispose();
}
