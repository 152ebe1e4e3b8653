import type { GiveUpHandler, JobHandler, JobQueue } from "../types.js";
import { RetryQueue } from "./retry-queue.js";

/**
 * Embedded-mode job queue: in memory, bounded concurrency, 3 attempts with backoff
 * (1 s, 2 s), like the BullMQ queue in distributed mode.
 */
export class MemoryJobQueue implements JobQueue {
  private queue = new RetryQueue({ backoffMs: (attempt) => 1000 * 2 ** (attempt - 1), maxAttempts: 3 });

  async enqueue(requestId: string) {
    this.queue.enqueue(requestId);
  }

  async consume(handler: JobHandler, concurrency: number, onGiveUp?: GiveUpHandler) {
    this.queue.consume(handler, concurrency, onGiveUp);
  }

  /** Stops taking jobs and waits for the running ones to finish. */
  close() {
    return this.queue.close();
  }
}
