/**
 * Distributed-mode adapters. The delivery queue is a second BullMQ queue, "deliveries",
 * next to the analysis queue: a pending retry is a delayed BullMQ job in Redis, so it
 * survives the restart of any process, and any gateway replica may run it.
 */
import { randomBytes } from "node:crypto";
import { Queue, Worker, type ConnectionOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { WebhookDelivery } from "../jobs/types.js";
import { MASTER_SECRET_BYTES, type OwnerKeyState, type SigningKeyStore } from "./secrets.js";
import type { DeliveryHandler, DeliveryQueue, DeliveryStatusStore } from "./types.js";

const QUEUE_NAME = "deliveries";

export class BullDeliveryQueue implements DeliveryQueue {
  private queue: Queue;
  private worker?: Worker;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly opts: { retryBaseMs: number; maxRuns: number; attemptTimeoutMs: number },
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix: `${prefix}:bull` });
    this.queue.on("error", () => undefined); // ioredis reconnects; enqueue calls report their own failures
  }

  async enqueue(requestId: string) {
    // jobId = requestId: enqueueing a job's delivery again while it is queued, waiting for a
    // retry or recently done is a no-op (completed ones are kept a day for this).
    await this.queue.add(
      "deliver",
      { requestId },
      {
        jobId: requestId,
        attempts: this.opts.maxRuns,
        backoff: { type: "exponential", delay: this.opts.retryBaseMs },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  async consume(handler: DeliveryHandler, concurrency: number) {
    this.worker = new Worker(QUEUE_NAME, async (job) => handler(job.data.requestId, job.attemptsMade + 1), {
      connection: this.connection,
      prefix: `${this.prefix}:bull`,
      concurrency,
      // An attempt lasts at most attemptTimeoutMs; a replica killed mid-attempt hands the
      // delivery to another one once its lock lapses. Stalls do not count as failures
      // for long: a delivery must not be dropped because replicas crashed.
      lockDuration: Math.max(15_000, 2 * this.opts.attemptTimeoutMs + 5_000),
      stalledInterval: 10_000,
      maxStalledCount: 20,
    });
    this.worker.on("error", () => undefined);
    await this.worker.waitUntilReady();
  }

  async close() {
    await this.worker?.close();
    await this.queue.close();
  }
}

export class RedisDeliveryStatusStore implements DeliveryStatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key = (id: string) => `${this.prefix}:webhook-delivery:${id}`;

  async get(requestIds: string[]) {
    const out = new Map<string, WebhookDelivery>();
    if (requestIds.length === 0) return out;
    const rows = await this.redis.mget(...requestIds.map(this.key));
    rows.forEach((row, i) => row && out.set(requestIds[i]!, JSON.parse(row) as WebhookDelivery));
    return out;
  }

  async set(requestId: string, state: WebhookDelivery) {
    await this.redis.set(this.key(requestId), JSON.stringify(state), "EX", this.ttlSeconds);
  }
}

const ROTATE = `
local g = tonumber(redis.call('HGET', KEYS[1], 'gen:' .. ARGV[1]) or '0')
redis.call('HSET', KEYS[1], 'gen:' .. ARGV[1], g + 1, 'prev:' .. ARGV[1], g, 'until:' .. ARGV[1], ARGV[2])
return g + 1`;

/**
 * Distributed-mode signing keys: one Redis hash, `<prefix>:webhook-signing`, with field
 * `master` (set once with HSETNX, so every replica adopts whichever was written first) and
 * per owner `gen:` / `prev:` / `until:` (a rotation updates them in one script). No TTL:
 * losing this hash changes every derived client secret.
 */
export class RedisSigningKeyStore implements SigningKeyStore {
  private cachedMaster?: Promise<Buffer>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key() {
    return `${this.prefix}:webhook-signing`;
  }

  master(): Promise<Buffer> {
    this.cachedMaster ??= (async () => {
      await this.redis.hsetnx(this.key, "master", randomBytes(MASTER_SECRET_BYTES).toString("base64"));
      const m = await this.redis.hget(this.key, "master");
      if (!m) throw new Error("webhook signing master secret missing from Redis");
      return Buffer.from(m, "base64");
    })().catch((err) => {
      this.cachedMaster = undefined;
      throw err;
    });
    return this.cachedMaster;
  }

  async state(owner: string): Promise<OwnerKeyState> {
    const [gen, prev, until] = await this.redis.hmget(this.key, `gen:${owner}`, `prev:${owner}`, `until:${owner}`);
    const generation = Number(gen ?? 0);
    return prev !== null && until !== null ? { generation, previous: { generation: Number(prev), untilMs: Number(until) } } : { generation };
  }

  async rotate(owner: string, untilMs: number): Promise<OwnerKeyState> {
    await this.master(); // the master exists before any secret is handed out
    const generation = Number(await this.redis.eval(ROTATE, 1, this.key, owner, String(untilMs)));
    return { generation, previous: { generation: generation - 1, untilMs } };
  }
}
