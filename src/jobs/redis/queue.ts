import { Queue, Worker, type ConnectionOptions } from "bullmq";
import type { GiveUpHandler, JobHandler, JobQueue } from "../types.js";

const QUEUE_NAME = "analysis";

/** Distributed-mode queue on BullMQ; any number of worker processes may consume it. */
export class BullJobQueue implements JobQueue {
  private queue: Queue;
  private worker?: Worker;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly opts: { lockMs: number } = { lockMs: 30_000 },
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix: `${prefix}:bull` });
  }

  async enqueue(requestId: string) {
    // jobId = requestId makes a repeated enqueue of the same job a no-op.
    await this.queue.add(
      "analyze",
      { requestId },
      {
        jobId: requestId,
        attempts: 3,
        backoff: { type: "exponential", delay: 2000 },
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 24 * 3600 },
      },
    );
  }

  async consume(handler: JobHandler, concurrency: number, onGiveUp?: GiveUpHandler) {
    this.worker = new Worker(QUEUE_NAME, async (job) => handler(job.data.requestId, job.attemptsMade + 1), {
      connection: this.connection,
      prefix: `${this.prefix}:bull`,
      concurrency,
      // The analysis runs in a worker thread, so this process keeps renewing the lock; a
      // lock that lapses means the worker died, and the job goes to another worker.
      lockDuration: this.opts.lockMs,
      stalledInterval: Math.max(1000, Math.floor(this.opts.lockMs / 2)),
      // A job may outlive several crashed workers before it counts as failed.
      maxStalledCount: 5,
    });
    this.worker.on("error", () => undefined); // connection errors are retried by ioredis
    // 'failed' fires on every failed attempt; act only when BullMQ will not retry (attempts
    // used up, or the job stalled more often than maxStalledCount), so no job stays RUNNING.
    this.worker.on("failed", (job, err) => {
      if (!job || !onGiveUp) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
      if (final) void onGiveUp(job.data.requestId, err.message).catch(() => undefined);
    });
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs; lets running ones finish. */
  async close() {
    await this.worker?.close();
    await this.queue.close();
  }
}
