import { Redis } from "ioredis";
import type { Config } from "../config/index.js";
import type { Logger } from "../logger.js";
import { MemoryEventBus } from "./memory/bus.js";
import { MemoryJobQueue } from "./memory/queue.js";
import { MemoryJobStore } from "./memory/store.js";
import { RedisEventBus } from "./redis/bus.js";
import { RedisCompletionDoor } from "./redis/completion.js";
import { BullJobQueue } from "./redis/queue.js";
import { RedisJobStore } from "./redis/store.js";
import type { CompletionDoor, EventBus, JobQueue, JobStore } from "./types.js";

export interface Adapters {
  store: JobStore;
  bus: EventBus;
  queue: JobQueue;
  /** A one-call completion door where the adapters have one (Redis); else JobService composes store + bus. */
  completions?: CompletionDoor;
  close(): Promise<void>;
}

/** Picks the in-memory or the Redis adapters from the configuration. */
export function createAdapters(config: Config, log: Logger): Adapters {
  if (config.mode === "embedded") {
    const store = new MemoryJobStore(config.jobTtlSeconds);
    const bus = new MemoryEventBus();
    const queue = new MemoryJobQueue();
    return {
      store,
      bus,
      queue,
      async close() {
        await queue.close();
        await Promise.all([bus.close(), store.close()]);
      },
    };
  }
  const url = config.redisUrl!;
  const connect = (name: string, extra: object = {}) => {
    const r = new Redis(url, { connectionName: `iag-${name}`, ...extra });
    r.on("error", (err) => log.warn({ err: err.message, connection: name }, "redis connection error"));
    return r;
  };
  const client = connect("client");
  const subscriber = connect("subscriber");
  const store = new RedisJobStore(client, config.redisPrefix, config.jobTtlSeconds);
  const bus = new RedisEventBus(client, subscriber, config.redisPrefix, (id) => store.get(id));
  // BullMQ workers need maxRetriesPerRequest: null (they block on Redis).
  const queueConnection = connect("queue", { maxRetriesPerRequest: null });
  const queue = new BullJobQueue(queueConnection, config.redisPrefix, { lockMs: config.workerLockSeconds * 1000 });
  return {
    store,
    bus,
    queue,
    completions: new RedisCompletionDoor(client, config.redisPrefix),
    async close() {
      await queue.close();
      await bus.close();
      subscriber.disconnect();
      queueConnection.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
