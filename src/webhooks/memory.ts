/** Embedded-mode delivery adapters: process memory, timers for the backoff. */
import type { WebhookDelivery } from "../jobs/types.js";
import { backoffMs } from "./deliver.js";
import type { DeliveryHandler, DeliveryQueue, DeliveryStatusStore } from "./types.js";

export class MemoryDeliveryQueue implements DeliveryQueue {
  private pending: { requestId: string; attempt: number }[] = [];
  /** Queued, waiting for a retry, or running: a second enqueue is a no-op. */
  private known = new Set<string>();
  private timers = new Set<NodeJS.Timeout>();
  private handler?: DeliveryHandler;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private idle: (() => void)[] = [];

  /** `maxRuns` caps handler runs per delivery (the handler gives up earlier on its own). */
  constructor(
    private readonly retryBaseMs: number,
    private readonly maxRuns: number,
  ) {}

  async enqueue(requestId: string) {
    if (this.known.has(requestId)) return;
    this.known.add(requestId);
    this.pending.push({ requestId, attempt: 1 });
    this.pump();
  }

  async consume(handler: DeliveryHandler, concurrency: number) {
    this.handler = handler;
    this.concurrency = concurrency;
    this.pump();
  }

  private pump() {
    while (!this.closed && this.handler && this.running < this.concurrency && this.pending.length) {
      const item = this.pending.shift()!;
      this.running++;
      this.handler(item.requestId, item.attempt)
        .then(
          () => void this.known.delete(item.requestId),
          () => {
            if (item.attempt >= this.maxRuns || this.closed) return void this.known.delete(item.requestId);
            const t = setTimeout(() => {
              this.timers.delete(t);
              this.pending.push({ requestId: item.requestId, attempt: item.attempt + 1 });
              this.pump();
            }, backoffMs(item.attempt, this.retryBaseMs));
            this.timers.add(t);
          },
        )
        .finally(() => {
          this.running--;
          if (this.running === 0) this.idle.splice(0).forEach((f) => f());
          this.pump();
        });
    }
  }

  async close() {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
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
