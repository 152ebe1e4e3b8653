import { afterAll, describe, expect, it } from "vitest";
import { TEST_SECRET, uniquePrefix } from "../helpers/gateway.js";
import { CLIENT_SECRET_A, KEY_A, startReceiver, type Receiver } from "../rest/receiver.js";
import { statusOf, submitJobs, subscribeAll, until } from "./common.js";
import { kill, startGatewayProcess, startRedis } from "./helpers.js";

// Fault (2): the Redis server restarts while subscribers wait. Our own redis-server on a
// free port and a temp dir (never the machine's shared one), AOF on so its data survives.
const N = 12;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
let receiver: Receiver | undefined;

afterAll(async () => {
  await kill(gateway?.proc, "SIGTERM");
  await redis?.stop();
  redis?.cleanup();
  await receiver?.close();
});

describe("Redis restarted while subscribers wait", () => {
  it("delivers every completion to its subscriber (or the query) once Redis is back", async () => {
    redis = await startRedis();
    receiver = await startReceiver(CLIENT_SECRET_A);
    gateway = await startGatewayProcess({
      REDIS_URL: redis.url,
      REDIS_PREFIX: uniquePrefix(),
      WEBHOOK_SECRET: TEST_SECRET,
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`,
      HOST: "127.0.0.1",
      ALLOWED_OUTBOUND_HOSTS: "127.0.0.1",
      WORKER_CONCURRENCY: "1",
      WEBHOOK_RETRY_BASE_MS: "500",
    });
    const ids = await submitJobs(gateway.url, N, receiver.url, "redis-restart");
    const subs = subscribeAll(gateway.url, ids);
    const delivered = () => new Set(receiver!.calls.filter((c) => c.verified).map((c) => c.body.request_id)).size;
    const diag = () => `subscribers ${subs.received.size}/${N}, webhooks ${delivered()}/${N}\ngateway output:\n${gateway?.proc.output().slice(-4000)}`;
    await until("2 completions", () => subs.received.size >= 2, 60_000, diag);
    const before = subs.received.size;

    await redis.stop(); // subscribers are waiting on jobs that are queued or running
    await new Promise((r) => setTimeout(r, 3000));
    redis = await startRedis({ port: redis.port, dir: redis.dir });

    await until(`all ${N} completions`, async () => {
      if (subs.received.size === N) return true;
      // a completion that no subscriber saw must at least be served by the query
      const missing = ids.filter((id) => !subs.received.has(id));
      const st = await Promise.all(missing.map((id) => statusOf(gateway!.url, id).catch(() => undefined)));
      return st.every((s) => s === "COMPLETED") && subs.received.size === N;
    }, 180_000, diag);
    await until("all webhooks", () => delivered() === N, 60_000, diag);
    await subs.dispose();
    const statuses = await Promise.all(ids.map((id) => statusOf(gateway!.url, id)));
    const lost = statuses.filter((s) => s !== "COMPLETED").length;
    console.log(`fault (2): ${N} jobs, Redis stopped for 3 s after ${before} completions; completed ${N - lost}, lost ${lost}; subscribers ${subs.received.size}/${N}; webhooks ${delivered()}/${N}`);
    expect(lost).toBe(0);
    expect(gateway.proc.exitCode).toBeNull(); // the gateway survived the outage
  });
});
