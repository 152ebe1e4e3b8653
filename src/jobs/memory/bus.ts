import { EventEmitter } from "node:events";
import type { EventBus, JobRecord } from "../types.js";

/** Embedded-mode event bus: an in-process emitter keyed by requestId. */
export class MemoryEventBus implements EventBus {
  private emitter = new EventEmitter().setMaxListeners(0);

  async publish(job: JobRecord) {
    this.emitter.emit(job.requestId, structuredClone(job));
  }

  async subscribe(requestId: string, onEvent: (job: JobRecord) => void) {
    this.emitter.on(requestId, onEvent);
    return async () => void this.emitter.off(requestId, onEvent);
  }

  async close() {
    this.emitter.removeAllListeners();
  }
}
