import { Queue, Worker, type ConnectionOptions } from "bullmq";
import type { JobHandler, JobQueue } from "../types.js";

const QUEUE_NAME = "analysis";

/** Distributed-mode queue on BullMQ; any number of worker processes may consume it. */
export class BullJobQueue implements JobQueue {
  private queue: Queue;
  private worker?: Worker;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
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

  async consume(handler: JobHandler, concurrency: number) {
    this.worker = new Worker(QUEUE_NAME, async (job) => handler(job.data.requestId, job.attemptsMade + 1), {
      connection: this.connection,
      prefix: `${this.prefix}:bull`,
      concurrency,
      lockDuration: 60_000,
    });
    this.worker.on("error", () => undefined); // connection errors are retried by ioredis
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs; lets running ones finish. */
  async close() {
    await this.worker?.close();
    await this.queue.close();
  }
}
