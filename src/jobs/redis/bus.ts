import type { Redis } from "ioredis";
import type { EventBus, JobRecord } from "../types.js";

type Handler = (job: JobRecord) => void;

/**
 * Distributed-mode event bus on Redis pub/sub, one channel per request. Pub/sub drops what
 * is published while a subscriber is disconnected, so after a reconnect every live
 * subscription re-reads the stored job (`resync`) and gets what it missed.
 */
export class RedisEventBus implements EventBus {
  private handlers = new Map<string, Set<Handler>>();
  private connectedOnce = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly resync: (requestId: string) => Promise<JobRecord | undefined>,
  ) {
    subscriber.on("message", (channel: string, message: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      let job: JobRecord;
      try {
        job = JSON.parse(message);
      } catch {
        return;
      }
      for (const h of set) h(job);
    });
    subscriber.on("ready", () => {
      if (!this.connectedOnce) return void (this.connectedOnce = true);
      void this.resyncAll();
    });
    if (subscriber.status === "ready") this.connectedOnce = true;
  }

  private channel = (requestId: string) => `${this.prefix}:events:${requestId}`;

  private async resyncAll() {
    for (const [channel, set] of this.handlers) {
      const requestId = channel.slice(`${this.prefix}:events:`.length);
      const job = await this.resync(requestId).catch(() => undefined);
      if (job) for (const h of set) h(job);
    }
  }

  async publish(job: JobRecord) {
    await this.publisher.publish(this.channel(job.requestId), JSON.stringify(job));
  }

  async subscribe(requestId: string, onEvent: Handler) {
    const channel = this.channel(requestId);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(onEvent);
    if (set.size === 1) await this.subscriber.subscribe(channel);
    return async () => {
      const s = this.handlers.get(channel);
      if (!s) return;
      s.delete(onEvent);
      if (s.size === 0) {
        this.handlers.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close() {
    this.handlers.clear();
  }
}
