import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL, TEST_SECRET, uniquePrefix } from "../helpers/gateway.js";
import { CLIENT_SECRET_A, KEY_A, startReceiver, type Receiver } from "../rest/receiver.js";
import { statusOf, submitJobs, subscribeAll, until } from "./common.js";
import { kill, spawnEntry, startGatewayProcess, type Proc } from "./helpers.js";

// Fault (1): 100 jobs, the worker process SIGKILLed twice mid-run and started again: every
// job completes, every subscriber and every webhook receiver gets its result.
const N = 100;
let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
let worker: Proc | undefined;
let receiver: Receiver | undefined;

afterAll(async () => {
  await kill(worker);
  await kill(gateway?.proc, "SIGTERM");
  await receiver?.close();
});

describe("worker processes killed mid-run", () => {
  it(`completes all ${N} jobs for every subscriber and webhook receiver`, async () => {
    const prefix = uniquePrefix();
    receiver = await startReceiver(CLIENT_SECRET_A);
    const common = { REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_SECRET: TEST_SECRET };
    gateway = await startGatewayProcess({
      ...common,
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
      RATE_LIMIT_PER_MINUTE: "0",
      SUBMIT_RATE_LIMIT_PER_MINUTE: "0",
      WEBHOOK_RETRY_BASE_MS: "500",
    });
    const startWorker = () => spawnEntry("worker-main", { ...common, PUBLIC_URL: gateway!.url, WORKER_CONCURRENCY: "2" });
    const ids = await submitJobs(gateway.url, N, receiver.url, `kill-${prefix}`);
    const subs = subscribeAll(gateway.url, ids);
    const delivered = () => new Set(receiver!.calls.filter((c) => c.verified).map((c) => c.body.request_id)).size;
    const diag = () => `subscribers ${subs.received.size}/${N}, webhooks ${delivered()}/${N}\nworker output:\n${worker?.output().slice(-3000)}\ngateway output:\n${gateway?.proc.output().slice(-3000)}`;

    worker = startWorker();
    await until("15 completions", () => delivered() >= 15, 120_000, diag);
    // first kill: remember which jobs it held, to check they come back
    const running1 = (await Promise.all(ids.map(async (id) => ((await statusOf(gateway!.url, id)) === "RUNNING" ? id : undefined)))).filter(Boolean) as string[];
    await kill(worker);
    worker = startWorker();
    // BullMQ hands the killed worker's jobs on once their lock lapses (≤ 90 s here). The
    // second kill waits for those to finish: a job caught by two crashes hits BullMQ's
    // maxStalledCount (1) — see docs/security.md, "What survives which failure".
    await until("the first kill's jobs to finish and 50 completions", async () => {
      const st = await Promise.all(running1.map((id) => statusOf(gateway!.url, id)));
      return st.every((s) => s === "COMPLETED") && delivered() >= 50;
    }, 240_000, diag);
    await kill(worker);
    worker = startWorker();

    await until(`all ${N} subscribers and webhook receivers`, () => subs.received.size === N && delivered() === N, 240_000, diag);
    await subs.dispose();
    const statuses = await Promise.all(ids.map((id) => statusOf(gateway!.url, id)));
    const lost = statuses.filter((s) => s !== "COMPLETED").length;
    const duplicates = receiver.calls.filter((c) => c.verified).length - N;
    console.log(`fault (1): ${N} jobs, worker SIGKILLed twice (holding ${running1.length} job(s) the first time); completed ${N - lost}, lost ${lost}; subscribers ${subs.received.size}/${N}; webhooks ${delivered()}/${N} (${duplicates} duplicate deliveries)`);
    expect(lost).toBe(0);
    expect([...subs.received.values()].every((s) => s === "COMPLETED")).toBe(true);
    expect(running1.length).toBeGreaterThan(0);
  });
});
