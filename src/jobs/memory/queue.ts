import type { GiveUpHandler, JobHandler, JobQueue } from "../types.js";

const MAX_ATTEMPTS = 3;

/**
 * Embedded-mode queue: FIFO in memory with bounded concurrency. A handler that throws is
 * retried with backoff (up to 3 attempts), like the BullMQ queue in distributed mode.
 */
export class MemoryJobQueue implements JobQueue {
  private pending: { requestId: string; attempt: number }[] = [];
  private handler?: JobHandler;
  private onGiveUp?: GiveUpHandler;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private timers = new Set<NodeJS.Timeout>();
  private idle: (() => void)[] = [];

  async enqueue(requestId: string) {
    this.pending.push({ requestId, attempt: 1 });
    this.pump();
  }

  async consume(handler: JobHandler, concurrency: number, onGiveUp?: GiveUpHandler) {
    this.handler = handler;
    this.onGiveUp = onGiveUp;
    this.concurrency = concurrency;
    this.pump();
  }

  private pump() {
    while (!this.closed && this.handler && this.running < this.concurrency && this.pending.length) {
      const item = this.pending.shift()!;
      this.running++;
      this.handler(item.requestId, item.attempt)
        .catch((err: Error) => {
          if (this.closed) return;
          if (item.attempt >= MAX_ATTEMPTS) {
            void this.onGiveUp?.(item.requestId, `gave up after ${item.attempt} attempts: ${err.message}`).catch(() => undefined);
            return;
          }
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.pending.push({ requestId: item.requestId, attempt: item.attempt + 1 });
            this.pump();
          }, 1000 * 2 ** (item.attempt - 1));
          this.timers.add(t);
        })
        .finally(() => {
          this.running--;
          if (this.running === 0) this.idle.splice(0).forEach((f) => f());
          this.pump();
        });
    }
  }

  /** Stops taking jobs and waits for the running ones to finish. */
  async close() {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
  }
}
