import type { Redis } from "ioredis";
import type { EventBus, JobRecord } from "../types.js";
import { eventsChannel } from "./keys.js";
import { decodeMessage, encodeMessage } from "./record.js";

type Handler = (job: JobRecord) => void;

/**
 * Distributed-mode event bus on Redis pub/sub, one channel per request. A message carries
 * the whole job (record.ts) and is decoded once, whatever the number of local subscribers;
 * handlers share that object and must not change it. Pub/sub drops what is published while
 * a subscriber is disconnected, so after a reconnect every live subscription re-reads the
 * stored job (`resync`) and gets what it missed.
 */
export class RedisEventBus implements EventBus {
  private handlers = new Map<string, Set<Handler>>();
  /** The SUBSCRIBE of each channel in `handlers`: resolved once the channel is live. */
  private live = new Map<string, Promise<unknown>>();
  private connectedOnce = false;
  /** Messages decoded by this replica (one per message, not per subscriber). */
  readonly stats = { decoded: 0 };

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
        job = decodeMessage(message);
      } catch {
        return;
      }
      this.stats.decoded++;
      for (const h of set) h(job);
    });
    subscriber.on("ready", () => {
      if (!this.connectedOnce) return void (this.connectedOnce = true);
      void this.resyncAll();
    });
    if (subscriber.status === "ready") this.connectedOnce = true;
  }

  private async resyncAll() {
    const skip = eventsChannel(this.prefix, "").length;
    for (const [channel, set] of this.handlers) {
      const job = await this.resync(channel.slice(skip)).catch(() => undefined);
      if (job) for (const h of set) h(job);
    }
  }

  async publish(job: JobRecord) {
    await this.publisher.publish(eventsChannel(this.prefix, job.requestId), encodeMessage(job));
  }

  async subscribe(requestId: string, onEvent: Handler) {
    const channel = eventsChannel(this.prefix, requestId);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.live.set(channel, this.subscriber.subscribe(channel));
    }
    set.add(onEvent);
    const unsubscribe = async () => {
      const s = this.handlers.get(channel);
      if (!s) return;
      s.delete(onEvent);
      if (s.size === 0) {
        this.handlers.delete(channel);
        this.live.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
    try {
      // A second local subscriber waits for the same SUBSCRIBE, so it is live when this resolves.
      await this.live.get(channel);
    } catch (err) {
      await unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  async close() {
    this.handlers.clear();
    this.live.clear();
  }
}
