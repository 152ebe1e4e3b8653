/**
 * Client webhook delivery: when a job with a `webhook` becomes final, its DeepAffects
 * callback is POSTed there, signed with the owner's secret(s), at least once. Attempts that
 * fail on network errors, timeouts, 408, 429 or 5xx are retried with exponential backoff
 * up to `maxAttempts`; then, or at once on any other answer, the delivery is recorded as
 * FAILED. Every attempt's outcome is recorded, so GraphQL shows `webhookDelivery`.
 */
import type { OutboundPolicy } from "../http/outbound.js";
import { clientDeliveryId } from "../jobs/service.js";
import { isFinal, type ClientWebhooks, type JobRecord, type JobStore, type WebhookDelivery } from "../jobs/types.js";
import type { Logger } from "../logger.js";
import { attemptDelivery, backoffMs } from "./deliver.js";
import { callbackBody } from "./payload.js";
import type { ClientWebhookSecrets } from "./secrets.js";
import type { DeliveryQueue, DeliveryStatusStore } from "./types.js";

export interface WebhookServiceDeps {
  store: JobStore;
  queue: DeliveryQueue;
  statuses: DeliveryStatusStore;
  secrets: ClientWebhookSecrets;
  policy: OutboundPolicy;
  log: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
}

/** Thrown by `handle` to have the queue retry after backoff. */
export class RetryDelivery extends Error {
  override readonly name = "RetryDelivery";
}

export class ClientWebhookService implements ClientWebhooks {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async schedule(job: JobRecord) {
    if (!job.webhook || !isFinal(job.status)) return;
    await this.deps.queue.enqueue(job.requestId);
  }

  statuses(requestIds: string[]) {
    return this.deps.statuses.get(requestIds);
  }

  /** The queue's handler: one delivery attempt for `requestId`. */
  handle = async (requestId: string, attempt: number): Promise<void> => {
    const { store, statuses, log } = this.deps;
    const job = await store.get(requestId);
    if (!job?.webhook) return; // expired or never had one: nothing to deliver
    if (!isFinal(job.status)) throw new RetryDelivery(`job ${requestId} is not final yet`);
    const deliveryId = clientDeliveryId(requestId);
    const previous = (await statuses.get([requestId])).get(requestId);
    if (previous && previous.status !== "PENDING") return; // already delivered or given up: a duplicate enqueue
    // looked up per attempt: a rotation in between signs the next attempt with the new secret
    const secrets = await this.deps.secrets.signingSecrets(job.owner);
    const now = new Date().toISOString();
    const record = (state: Omit<WebhookDelivery, "deliveryId" | "attempts" | "lastAttemptAt">) =>
      statuses.set(requestId, { deliveryId, attempts: attempt, lastAttemptAt: now, ...state });
    const outcome = await attemptDelivery(this.deps.policy, { url: job.webhook, secrets, deliveryId }, JSON.stringify(callbackBody(job)), this.deps.timeoutMs);
    if (outcome.ok) {
      await record({ status: "DELIVERED", deliveredAt: new Date().toISOString() });
      log.info({ requestId, attempt, status: outcome.status }, "client webhook delivered");
      return;
    }
    if (outcome.retryable && attempt < this.deps.maxAttempts) {
      const next = new Date(Date.now() + backoffMs(attempt, this.deps.retryBaseMs)).toISOString();
      await record({ status: "PENDING", lastError: outcome.error, nextAttemptAt: next });
      log.warn({ requestId, attempt, error: outcome.error }, "client webhook attempt failed; will retry");
      throw new RetryDelivery(outcome.error);
    }
    await record({ status: "FAILED", lastError: outcome.error });
    log.warn({ requestId, attempt, error: outcome.error }, "client webhook delivery failed; giving up");
  };
}
