/** Embedded-mode delivery adapters: process memory, timers for the backoff. */
import type { WebhookDelivery } from "../jobs/types.js";
import { RetryQueue } from "../jobs/memory/retry-queue.js";
import { backoffMs } from "./deliver.js";
import type { DeliveryHandler, DeliveryQueue, DeliveryStatusStore } from "./types.js";

export class MemoryDeliveryQueue implements DeliveryQueue {
  private readonly queue: RetryQueue;

  /** `maxRuns` caps handler runs per delivery (the handler gives up earlier on its own). */
  constructor(retryBaseMs: number, maxRuns: number) {
    this.queue = new RetryQueue({ backoffMs: (attempt) => backoffMs(attempt, retryBaseMs), maxAttempts: maxRuns });
  }

  async enqueue(requestId: string) {
    this.queue.enqueue(requestId);
  }

  async consume(handler: DeliveryHandler, concurrency: number) {
    this.queue.consume(handler, concurrency);
  }

  close() {
    return this.queue.close();
  }
}

export class MemoryDeliveryStatusStore implements DeliveryStatusStore {
  private states = new Map<string, WebhookDelivery>();

  async get(requestIds: string[]) {
    const out = new Map<string, WebhookDelivery>();
    for (const id of requestIds) {
      const s = this.states.get(id);
      if (s) out.set(id, { ...s });
    }
    return out;
  }

  async set(requestId: string, state: WebhookDelivery) {
    this.states.set(requestId, { ...state });
  }
}
