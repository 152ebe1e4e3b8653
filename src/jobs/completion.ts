/**
 * The completion door's store step in plain steps over any store + bus pair (embedded mode,
 * or adapters without a one-call door): mark the webhook-id, compare-and-set the record,
 * publish. The Redis adapters do the same in one script call (redis/completion.ts).
 */
import type { CompletionDoor, EventBus, FinalPatch, JobStore } from "./types.js";

export function storeThenPublish(store: JobStore, bus: EventBus): CompletionDoor {
  return {
    async apply(requestId: string, final: FinalPatch, replay?: { messageId: string; ttlSeconds: number }) {
      if (replay && !(await store.markDelivery(replay.messageId, replay.ttlSeconds))) return { kind: "replayed" };
      const out = await store.update(requestId, { ...final, stage: undefined });
      if (!out) {
        // an unknown job is not a delivery: the sender may retry once it exists
        if (replay) await store.forgetDelivery(replay.messageId).catch(() => undefined);
        return { kind: "missing" };
      }
      const job = "updated" in out ? out.updated : out.final;
      const outcome = { kind: "updated" in out ? ("applied" as const) : ("alreadyFinal" as const), status: job.status, submittedAt: job.submittedAt };
      const publish = () => bus.publish(job);
      if (job.webhook) return { ...outcome, held: { job, publish } };
      // Published also when it was final already: a retried delivery after a failed publish
      // must still reach the subscribers; they drop versions they have seen.
      await publish();
      return outcome;
    },
  };
}
