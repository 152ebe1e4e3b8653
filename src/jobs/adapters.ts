import { resolve } from "node:path";
import { Redis } from "ioredis";
import type { Config } from "../config/index.js";
import type { Logger } from "../logger.js";
import { MemoryEventBus } from "./memory/bus.js";
import { RedisEventBus } from "./redis/bus.js";
import { RedisCompletionDoor } from "./redis/completion.js";
import { BullJobQueue } from "./redis/queue.js";
import { RedisJobStore } from "./redis/store.js";
import { RedisUploadStore } from "./redis/uploads.js";
import { openDataDir, type DataDir } from "./sqlite/db.js";
import { SqliteQueue } from "./sqlite/queue.js";
import { SqliteJobStore } from "./sqlite/store.js";
import { SqliteUploadStore } from "./sqlite/uploads.js";
import type { CompletionDoor, EventBus, JobQueue, JobStore, UploadStore } from "./types.js";

export interface Adapters {
  store: JobStore;
  bus: EventBus;
  queue: JobQueue;
  /** A one-call completion door where the adapters have one (Redis); else JobService composes store + bus. */
  completions?: CompletionDoor;
  uploads: UploadStore;
  /** Embedded mode: the open data directory (the webhook delivery adapters share its database). */
  dataDir?: DataDir;
  close(): Promise<void>;
}

/**
 * Picks the adapters from the configuration: embedded mode keeps jobs, queue, uploads and
 * audio in DATA_DIR (SQLite + files) and fans events out in process; distributed mode keeps
 * everything in Redis.
 */
export function createAdapters(config: Config, log: Logger): Adapters {
  if (config.mode === "embedded") {
    const dataDir = openDataDir(resolve(config.dataDir));
    const store = new SqliteJobStore(dataDir, config.jobTtlSeconds);
    const uploads = new SqliteUploadStore(dataDir, config.jobTtlSeconds);
    const bus = new MemoryEventBus();
    // 3 attempts with backoff 1 s, 2 s, and 5 process deaths while running, like the BullMQ queue.
    const queue = new SqliteQueue(dataDir.db, "analysis", { backoffMs: (attempt) => 1000 * 2 ** (attempt - 1), maxAttempts: 3, maxStalls: 5 });
    return {
      store,
      bus,
      queue,
      uploads,
      dataDir,
      async close() {
        await queue.close();
        await Promise.all([bus.close(), store.close()]);
        uploads.close();
        dataDir.close();
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
  const uploads = new RedisUploadStore(client, config.redisPrefix, config.jobTtlSeconds);
  const store = new RedisJobStore(client, config.redisPrefix, config.jobTtlSeconds, uploads);
  const bus = new RedisEventBus(client, subscriber, config.redisPrefix, (id) => store.get(id));
  // BullMQ workers need maxRetriesPerRequest: null (they block on Redis).
  const queueConnection = connect("queue", { maxRetriesPerRequest: null });
  const queue = new BullJobQueue(queueConnection, config.redisPrefix, { lockMs: config.workerLockSeconds * 1000 });
  return {
    store,
    bus,
    queue,
    completions: new RedisCompletionDoor(client, config.redisPrefix),
    uploads,
    async close() {
      await queue.close();
      await bus.close();
      subscriber.disconnect();
      queueConnection.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
