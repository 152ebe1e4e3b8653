/** Builds client webhook delivery with the adapters the mode calls for. */
import { Redis } from "ioredis";
import type { Config } from "../config/index.js";
import type { OutboundPolicy } from "../http/outbound.js";
import type { JobStore } from "../jobs/types.js";
import type { Logger } from "../logger.js";
import { MemoryDeliveryQueue, MemoryDeliveryStatusStore } from "./memory.js";
import { BullDeliveryQueue, RedisDeliveryStatusStore } from "./redis.js";
import { ClientWebhookSecrets } from "./secrets.js";
import { ClientWebhookService } from "./service.js";
import type { DeliveryQueue } from "./types.js";

export interface ClientWebhookRuntime {
  service: ClientWebhookService;
  queue: DeliveryQueue;
  /** Starts running deliveries in this process. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `redis` (distributed mode) holds the delivery states; the queue gets a connection of its
 * own because BullMQ workers block on it.
 */
export function createClientWebhooks(config: Config, deps: { store: JobStore; policy: OutboundPolicy; log: Logger; redis?: Redis }): ClientWebhookRuntime {
  const c = config.clientWebhooks;
  // A few runs beyond maxAttempts absorb attempts lost to infrastructure errors (e.g. Redis
  // down while recording); the handler itself gives up after maxAttempts HTTP attempts.
  const maxRuns = c.maxAttempts + 3;
  let queue: DeliveryQueue;
  let connection: Redis | undefined;
  let statuses;
  if (config.mode === "distributed" && deps.redis) {
    connection = new Redis(config.redisUrl!, { connectionName: "iag-deliveries", maxRetriesPerRequest: null });
    connection.on("error", (err) => deps.log.warn({ err: err.message, connection: "deliveries" }, "redis connection error"));
    queue = new BullDeliveryQueue(connection, config.redisPrefix, { retryBaseMs: c.retryBaseMs, maxRuns, attemptTimeoutMs: c.timeoutMs });
    statuses = new RedisDeliveryStatusStore(deps.redis, config.redisPrefix, config.jobTtlSeconds);
  } else {
    queue = new MemoryDeliveryQueue(c.retryBaseMs, maxRuns);
    statuses = new MemoryDeliveryStatusStore();
  }
  const service = new ClientWebhookService({
    store: deps.store,
    queue,
    statuses,
    secrets: new ClientWebhookSecrets(c),
    policy: deps.policy,
    log: deps.log.child({ component: "client-webhooks" }),
    maxAttempts: c.maxAttempts,
    retryBaseMs: c.retryBaseMs,
    timeoutMs: c.timeoutMs,
  });
  return {
    service,
    queue,
    start: () => queue.consume(service.handle, c.concurrency),
    async close() {
      await queue.close();
      connection?.disconnect();
    },
  };
}
