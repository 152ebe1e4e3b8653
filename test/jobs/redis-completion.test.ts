import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisCompletionDoor } from "../../src/jobs/redis/completion.js";
import { eventsChannel, jobKey } from "../../src/jobs/redis/keys.js";
import { decodeMessage } from "../../src/jobs/redis/record.js";
import { LuaScript } from "../../src/jobs/redis/script.js";
import { RedisJobStore } from "../../src/jobs/redis/store.js";
import type { FinalPatch, JobRecord } from "../../src/jobs/types.js";
import { REDIS_URL, uniquePrefix } from "../helpers/gateway.js";
import { sampleResponse } from "../helpers/webhook.js";

// The completion door's Redis script against a real Redis, under a private key prefix.
const prefix = uniquePrefix();
const redis = new Redis(REDIS_URL);
const listener = new Redis(REDIS_URL);
const store = new RedisJobStore(redis, prefix, 600);
const door = new RedisCompletionDoor(redis, prefix);
afterAll(() => {
  redis.disconnect();
  listener.disconnect();
});

let n = 0;
async function createJob(extra: Partial<JobRecord> = {}): Promise<JobRecord> {
  const job: JobRecord = {
    requestId: `door-${++n}`,
    owner: "key_test",
    status: "RUNNING",
    progress: 0.5,
    stage: "diarization",
    submittedAt: "2026-12-01T10:00:00.000Z",
    options: { metrics: [] } as unknown as JobRecord["options"],
    source: { kind: "content", bytes: 3 },
    inputHash: "h",
    api: "interaction-analytics",
    version: 3,
    ...extra,
  };
  expect((await store.create(job, Buffer.from("abc"))).created).toBe(true);
  return job;
}
const completed = (numSpeakers = 2): FinalPatch => ({
  status: "COMPLETED",
  progress: 1,
  result: { ...sampleResponse, num_speakers: numSpeakers } as never,
  completedAt: "2026-12-01T10:01:00.000Z",
});
const replay = (messageId: string) => ({ messageId, ttlSeconds: 60 });

/** Messages published on a job's channel, decoded; `until` resolves at the first. */
async function listen(requestId: string) {
  const got: string[] = [];
  let first: () => void;
  const arrived = new Promise<void>((r) => (first = r));
  const channel = eventsChannel(prefix, requestId);
  listener.on("message", (ch: string, m: string) => {
    if (ch !== channel) return;
    got.push(m);
    first();
  });
  await listener.subscribe(channel);
  return { got, arrived };
}

describe("the Redis completion door (one script call)", () => {
  it("applies a completion once: a replayed webhook-id and a second completion change nothing", async () => {
    const job = await createJob();
    const first = await door.apply(job.requestId, completed(2), replay("m1"));
    expect(first).toEqual({ kind: "applied", status: "COMPLETED", submittedAt: job.submittedAt });
    expect(await door.apply(job.requestId, completed(5), replay("m1"))).toEqual({ kind: "replayed" });
    const second = await door.apply(job.requestId, { status: "FAILED", error: { type: "x", message: "late" }, completedAt: "2026-12-01T10:02:00.000Z" }, replay("m2"));
    expect(second).toMatchObject({ kind: "alreadyFinal", status: "COMPLETED" });
    const stored = await store.get(job.requestId);
    expect(stored).toMatchObject({ status: "COMPLETED", version: 4, progress: 1, completedAt: "2026-12-01T10:01:00.000Z", owner: "key_test" });
    expect(stored?.result?.num_speakers).toBe(2);
    expect(stored?.error).toBeUndefined();
    expect(stored).not.toHaveProperty("stage"); // a final job has no running stage
    // and a progress update after the end is refused by the store as well
    expect(await store.update(job.requestId, { progress: 0.9 })).toMatchObject({ final: { status: "COMPLETED", version: 4 } });
  });

  it("answers missing for an unknown job without remembering its webhook-id", async () => {
    expect(await door.apply("door-nope", completed(), replay("m-unknown"))).toEqual({ kind: "missing" });
    expect(await redis.exists(`${prefix}:delivery:m-unknown`)).toBe(0);
  });

  it("stores before it publishes, and the message carries the whole stored job", async () => {
    const job = await createJob();
    const { got, arrived } = await listen(job.requestId);
    // read the stored status the moment the message arrives
    let statusWhenHeard: Promise<string | null> | undefined;
    const onMessage = () => (statusWhenHeard ??= redis.hget(jobKey(prefix, job.requestId), "status"));
    listener.once("message", onMessage);
    const out = await door.apply(job.requestId, completed(), replay("m3"));
    await arrived;
    expect(out.kind).toBe("applied");
    expect(got).toHaveLength(1);
    expect(await statusWhenHeard).toBe("COMPLETED");
    expect(decodeMessage(got[0]!)).toEqual(await store.get(job.requestId));
  });

  it("holds the publish for a job with a client webhook until the caller has queued it", async () => {
    const job = await createJob({ webhook: "https://example.com/hook" });
    const { got } = await listen(job.requestId);
    const out = await door.apply(job.requestId, completed(), replay("m4"));
    expect(out.kind).toBe("applied");
    if (out.kind !== "applied" || !out.held) throw new Error("expected a held publish");
    expect(out.held.job).toMatchObject({ requestId: job.requestId, status: "COMPLETED", webhook: "https://example.com/hook" });
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toHaveLength(0);
    await out.held.publish();
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toHaveLength(1);
    expect(decodeMessage(got[0]!)).toEqual(await store.get(job.requestId));
  });

  it("runs a script the server does not know yet: EVALSHA answers NOSCRIPT, EVAL loads it, then EVALSHA works", async () => {
    // a script text no server has seen (SCRIPT FLUSH would disturb other users of the shared Redis)
    const script = new LuaScript(`-- ${prefix} ${Date.now()}\nreturn ARGV[1] .. KEYS[1]`);
    expect(Number(((await redis.call("SCRIPT", "EXISTS", script.sha)) as number[])[0])).toBe(0);
    expect(await script.run(redis, ["k"], ["v"])).toBe("vk");
    expect(Number(((await redis.call("SCRIPT", "EXISTS", script.sha)) as number[])[0])).toBe(1);
    expect(await redis.evalsha(script.sha, 1, "k2", "w")).toBe("wk2");
  });
});
