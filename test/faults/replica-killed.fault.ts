import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL, TEST_SECRET, uniquePrefix } from "../helpers/gateway.js";
import { CLIENT_SECRET_A, KEY_A, startReceiver, type Receiver } from "../rest/receiver.js";
import { statusOf, submitJobs, subscribeAll, until } from "./common.js";
import { kill, spawnEntry, startGatewayProcess, type Proc } from "./helpers.js";

// Fault (3): gateway replica A, which analyses with its in-process worker, is SIGKILLed
// while it runs jobs. Subscribers on replica B still get every result: a standalone worker
// takes the stalled jobs over and posts to B's webhook door, and B delivers the webhooks.
const N = 6;
let a: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
let b: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
let worker: Proc | undefined;
let receiver: Receiver | undefined;

afterAll(async () => {
  await kill(worker);
  await kill(a?.proc);
  await kill(b?.proc, "SIGTERM");
  await receiver?.close();
});

describe("a gateway replica killed mid-job", () => {
  it("completes the job for subscribers connected to the other replica", async () => {
    receiver = await startReceiver(CLIENT_SECRET_A);
    const common = { REDIS_URL, REDIS_PREFIX: uniquePrefix(), WEBHOOK_SECRET: TEST_SECRET, ALLOWED_OUTBOUND_HOSTS: "127.0.0.1", WEBHOOK_RETRY_BASE_MS: "500" };
    const gatewayEnv = { ...common, API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`, HOST: "127.0.0.1" };
    a = await startGatewayProcess({ ...gatewayEnv, RUN_WORKER: "true", WORKER_CONCURRENCY: "2" });
    b = await startGatewayProcess({ ...gatewayEnv, RUN_WORKER: "false" });
    const ids = await submitJobs(a.url, N, receiver.url, `replica-${common.REDIS_PREFIX}`);
    const subs = subscribeAll(b.url, ids);
    const delivered = () => new Set(receiver!.calls.filter((c) => c.verified).map((c) => c.body.request_id)).size;
    const diag = () => `subscribers on B ${subs.received.size}/${N}, webhooks ${delivered()}/${N}\nB:\n${b?.proc.output().slice(-3000)}\nworker:\n${worker?.output().slice(-3000)}`;

    // kill A while its worker holds a job
    let running: string[] = [];
    await until("a job running on A", async () => {
      running = (await Promise.all(ids.map(async (id) => ((await statusOf(b!.url, id)) === "RUNNING" ? id : undefined)))).filter(Boolean) as string[];
      return running.length > 0;
    }, 60_000, diag);
    await kill(a.proc);
    worker = spawnEntry("worker-main", { ...common, PUBLIC_URL: b.url, WORKER_CONCURRENCY: "2" });

    await until(`all ${N} results on B`, () => subs.received.size === N && delivered() === N, 240_000, diag);
    await subs.dispose();
    const statuses = await Promise.all(ids.map((id) => statusOf(b!.url, id)));
    const lost = statuses.filter((s) => s !== "COMPLETED").length;
    console.log(`fault (3): ${N} jobs submitted at A, A SIGKILLed holding ${running.length} running job(s); completed ${N - lost}, lost ${lost}; subscribers on B ${subs.received.size}/${N}; webhooks ${delivered()}/${N}`);
    expect(lost).toBe(0);
    for (const id of running) expect(subs.received.get(id)).toBe("COMPLETED");
  });
});
