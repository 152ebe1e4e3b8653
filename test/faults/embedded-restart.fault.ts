import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureBase64 } from "../helpers/audio.js";
import { CLIENT_SECRET_A, KEY_A, startReceiver, type Receiver } from "../rest/receiver.js";
import { statusOf, submitJobs, subscribeAll, until } from "./common.js";
import { freePort, kill, spawnEntry, waitForHttp, type Proc } from "./helpers.js";

// Embedded mode keeps its data: N jobs submitted to one gateway process (no Redis), SIGKILLed
// while jobs are queued, running and waiting to deliver their webhooks; started again on the
// same DATA_DIR, every job completes, every reconnecting subscriber gets its result and every
// pending webhook is delivered.
const N = 10;
let gateway: Proc | undefined;
let receiver: Receiver | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "iag-restart-"));

afterAll(async () => {
  await kill(gateway, "SIGTERM");
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("embedded gateway SIGKILLed and restarted on the same DATA_DIR", () => {
  it(`completes all ${N} jobs, for reconnecting subscribers and webhook receivers`, async () => {
    receiver = await startReceiver(CLIENT_SECRET_A);
    // the receiver is down (503) until the restart, so deliveries are pending at the kill
    let receiverUp = false;
    const accepted = new Set<string>();
    receiver.respond((call) => {
      if (!receiverUp) return 503;
      if (call.verified && call.body.response) accepted.add(String(call.body.request_id));
      return 200;
    });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`,
      HOST: "127.0.0.1",
      ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
      RATE_LIMIT_PER_MINUTE: "0",
      SUBMIT_RATE_LIMIT_PER_MINUTE: "0",
      WEBHOOK_RETRY_BASE_MS: "300",
    };
    const start = async () => {
      gateway = spawnEntry("main", env);
      await waitForHttp(`${url}/healthz`).catch((err) => {
        throw new Error(`${(err as Error).message}\n${gateway?.output()}`);
      });
    };
    await start();
    const audio = fixtureBase64("mono-two-voices.wav");
    const ids = await submitJobs(url, N, receiver.url, "restart", audio);
    const subs = subscribeAll(url, ids);
    const statuses = async () => Promise.all(ids.map((id) => statusOf(url, id)));
    const diag = () => `subscribers ${subs.received.size}/${N}; receiver calls ${receiver!.calls.length}\n${gateway?.output().slice(-3000)}`;

    // kill once some jobs are done (their webhooks failing), one is running and others wait
    await until("2 completed jobs", async () => (await statuses()).filter((s) => s === "COMPLETED").length >= 2, 120_000, diag);
    const before = await statuses();
    expect(before).toContain("QUEUED");
    await kill(gateway, "SIGKILL");
    expect(receiver.calls.filter((c) => c.verified && c.body.request_id).length).toBeGreaterThan(0); // attempts were made and failed

    receiverUp = true;
    await start();
    await until(`all ${N} jobs completed`, async () => (await statuses()).every((s) => s === "COMPLETED"), 180_000, diag);
    await until(`all ${N} subscribers`, () => subs.received.size === N, 60_000, diag);
    expect([...subs.received.values()].every((s) => s === "COMPLETED")).toBe(true);
    const failedBeforeKill = before.map((s, i) => (s === "COMPLETED" ? ids[i]! : undefined)).filter(Boolean) as string[];
    // every callback reaches the receiver once it is up, the ones pending at the kill included
    await until(`all ${N} webhooks delivered`, () => accepted.size === N, 60_000, diag);
    for (const id of [...ids, ...failedBeforeKill]) expect(accepted.has(id)).toBe(true);
    await subs.dispose();
  });
});
