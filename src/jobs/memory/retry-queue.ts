/**
 * A FIFO work queue in process memory with bounded concurrency, retries with backoff and a
 * give-up callback: the embedded-mode stand-in for a BullMQ queue. An id already queued,
 * waiting for a retry or running is not queued twice (as BullMQ dedupes by job id).
 */
export type RetryHandler = (id: string, attempt: number) => Promise<void>;
export type GiveUp = (id: string, reason: string) => Promise<void>;

export class RetryQueue {
  private pending: { id: string; attempt: number }[] = [];
  private known = new Set<string>();
  private timers = new Set<NodeJS.Timeout>();
  private handler?: RetryHandler;
  private onGiveUp?: GiveUp;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly opts: {
      /** Delay before attempt `attempt + 1`, after attempt `attempt` failed. */
      backoffMs: (attempt: number) => number;
      maxAttempts: number;
    },
  ) {}

  enqueue(id: string) {
    if (this.known.has(id)) return;
    this.known.add(id);
    this.pending.push({ id, attempt: 1 });
    this.pump();
  }

  consume(handler: RetryHandler, concurrency: number, onGiveUp?: GiveUp) {
    this.handler = handler;
    this.onGiveUp = onGiveUp;
    this.concurrency = concurrency;
    this.pump();
  }

  private pump() {
    while (!this.closed && this.handler && this.running < this.concurrency && this.pending.length) {
      const item = this.pending.shift()!;
      this.running++;
      this.handler(item.id, item.attempt)
        .then(
          () => void this.known.delete(item.id),
          (err: Error) => {
            if (this.closed) return void this.known.delete(item.id);
            if (item.attempt >= this.opts.maxAttempts) {
              this.known.delete(item.id);
              void this.onGiveUp?.(item.id, `gave up after ${item.attempt} attempts: ${err?.message}`).catch(() => undefined);
              return;
            }
            const t = setTimeout(() => {
              this.timers.delete(t);
              this.pending.push({ id: item.id, attempt: item.attempt + 1 });
              this.pump();
            }, this.opts.backoffMs(item.attempt));
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

  /** Stops taking work and waits for the running handlers to finish. */
  async close() {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
  }
}
