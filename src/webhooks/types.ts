/**
 * The two adapters behind client webhook delivery, each with an in-memory implementation
 * (embedded mode) and a Redis one (distributed mode, so retries survive restarts).
 */
import type { WebhookDelivery } from "../jobs/types.js";

/** Runs one attempt; resolves when done (delivered or given up), throws to be retried after backoff. */
export type DeliveryHandler = (requestId: string, attempt: number) => Promise<void>;

export interface DeliveryQueue {
  /** Queues the delivery of `requestId`'s callback; a second enqueue of a queued one is a no-op. */
  enqueue(requestId: string): Promise<void>;
  /** Starts running deliveries (a gateway process does this). */
  consume(handler: DeliveryHandler, concurrency: number): Promise<void>;
  /** Stops taking deliveries; lets running attempts finish. */
  close(): Promise<void>;
}

/** Where each job's delivery state lives (apart from the immutable final job record). */
export interface DeliveryStatusStore {
  get(requestIds: string[]): Promise<Map<string, WebhookDelivery>>;
  set(requestId: string, state: WebhookDelivery): Promise<void>;
}
