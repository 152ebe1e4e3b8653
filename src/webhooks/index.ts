/** Builds client webhook delivery with the adapters the mode calls for. */
import { Redis } from "ioredis";
import type { Config } from "../config/index.js";
import type { OutboundPolicy } from "../http/outbound.js";
import type { JobStore } from "../jobs/types.js";
import type { Logger } from "../logger.js";
import type { DataDir } from "../jobs/sqlite/db.js";
import { SqliteQueue } from "../jobs/sqlite/queue.js";
import { backoffMs } from "./deliver.js";
import { FileSigningKeyStore } from "./file.js";
import { BullDeliveryQueue, RedisDeliveryStatusStore, RedisSigningKeyStore } from "./redis.js";
import { ClientWebhookSecrets, type SigningKeyStore } from "./secrets.js";
import { ClientWebhookService } from "./service.js";
import { SqliteDeliveryStatusStore } from "./sqlite.js";
import type { DeliveryQueue } from "./types.js";

export interface ClientWebhookRuntime {
  service: ClientWebhookService;
  queue: DeliveryQueue;
  /** Each owner's signing secret (GraphQL webhookSigningSecret / rotateWebhookSigningSecret). */
  secrets: ClientWebhookSecrets;
  /** Starts running deliveries in this process. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `redis` (distributed mode) holds the delivery states and the signing keys; the queue gets a
 * connection of its own because BullMQ workers block on it. In embedded mode the deliveries
 * live in the data directory's database and the signing keys in a file beside it.
 */
export function createClientWebhooks(
  config: Config,
  deps: { store: JobStore; policy: OutboundPolicy; log: Logger; redis?: Redis; dataDir?: DataDir },
): ClientWebhookRuntime {
  const c = config.clientWebhooks;
  // A few runs beyond maxAttempts absorb attempts lost to infrastructure errors (e.g. Redis
  // down while recording); the handler itself gives up after maxAttempts HTTP attempts.
  const maxRuns = c.maxAttempts + 3;
  let queue: DeliveryQueue;
  let connection: Redis | undefined;
  let statuses;
  let keys: SigningKeyStore;
  if (config.mode === "distributed" && deps.redis) {
    connection = new Redis(config.redisUrl!, { connectionName: "iag-deliveries", maxRetriesPerRequest: null });
    connection.on("error", (err) => deps.log.warn({ err: err.message, connection: "deliveries" }, "redis connection error"));
    queue = new BullDeliveryQueue(connection, config.redisPrefix, { retryBaseMs: c.retryBaseMs, maxRuns, attemptTimeoutMs: c.timeoutMs });
    statuses = new RedisDeliveryStatusStore(deps.redis, config.redisPrefix, config.jobTtlSeconds);
    keys = new RedisSigningKeyStore(deps.redis, config.redisPrefix);
  } else if (deps.dataDir) {
    // A delivery survives up to 20 process deaths mid-attempt (as maxStalledCount in BullMQ).
    queue = new SqliteQueue(deps.dataDir.db, "deliveries", { backoffMs: (attempt) => backoffMs(attempt, c.retryBaseMs), maxAttempts: maxRuns, maxStalls: 20 });
    statuses = new SqliteDeliveryStatusStore(deps.dataDir.db, config.jobTtlSeconds);
    keys = new FileSigningKeyStore(config.dataDir);
  } else {
    throw new Error("client webhooks need Redis (distributed mode) or a data directory (embedded mode)");
  }
  const secrets = new ClientWebhookSecrets(c, keys);
  const service = new ClientWebhookService({
    store: deps.store,
    queue,
    statuses,
    secrets,
    policy: deps.policy,
    log: deps.log.child({ component: "client-webhooks" }),
    maxAttempts: c.maxAttempts,
    retryBaseMs: c.retryBaseMs,
    timeoutMs: c.timeoutMs,
  });
  return {
    service,
    queue,
    secrets,
    start: () => queue.consume(service.handle, c.concurrency),
    async close() {
      await queue.close();
      connection?.disconnect();
    },
  };
}
