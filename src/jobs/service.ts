/**
 * The job life cycle above the adapters: submit, read, watch, progress and completion.
 * Both APIs (GraphQL, REST) and the worker call these functions; none of them knows
 * which adapters (memory or Redis) are underneath.
 */
import { randomUUID } from "node:crypto";
import type { DeepAffectsResponse } from "../analysis/types.js";
import { ErrorCode, UserInputError } from "../errors/codes.js";
import type { Logger } from "../logger.js";
import { jobDuration, jobsFinished, jobsSubmitted } from "../observability/metrics.js";
import {
  isFinal,
  type ClientWebhooks,
  type CompletionDoor,
  type CompletionOutcome,
  type EventBus,
  type FinalPatch,
  type JobError,
  type JobQueue,
  type JobRecord,
  type JobStatus,
  type JobStore,
  type UploadStore,
  type UrlPolicy,
} from "./types.js";
import { storeThenPublish } from "./completion.js";
import { validateSubmission, type SubmissionInput } from "./validate.js";

export const API_NAME = "interaction-analytics";

/** The `webhook-id` of a job's client callback: stable across attempts, restarts and replicas. */
export const clientDeliveryId = (requestId: string) => `msg_callback_${requestId}`;

export interface JobServiceDeps {
  store: JobStore;
  bus: EventBus;
  queue: JobQueue;
  log: Logger;
  maxAudioBytes: number;
  /** Uploads a submission may name by `uploadId`; without it such a submission is refused. */
  uploads?: UploadStore;
  /** Client webhook delivery; without it a submission with `webhook` is refused. */
  webhooks?: ClientWebhooks;
  /** SSRF rules for `url` and `webhook`, checked at submission. */
  urlPolicy?: UrlPolicy;
  /** A one-call completion door (Redis); without it, store and bus in steps. */
  completions?: CompletionDoor;
}

export class JobService {
  private readonly completions: CompletionDoor;

  constructor(private readonly deps: JobServiceDeps) {
    this.completions = deps.completions ?? storeThenPublish(deps.store, deps.bus);
  }

  /** Validates, stores and enqueues a job; an identical resubmission returns the first job. */
  async submit(owner: string, input: SubmissionInput): Promise<JobRecord> {
    const valid = validateSubmission(input, { maxAudioBytes: this.deps.maxAudioBytes });
    if (valid.url) this.deps.urlPolicy?.checkStatic(valid.url, "url");
    if (valid.webhook) {
      this.deps.urlPolicy?.checkStatic(valid.webhook, "webhook");
      if (!this.deps.webhooks) throw new UserInputError("webhook: client webhooks are not enabled on this server", "webhook");
    }
    // Another key's upload is indistinguishable from a missing one.
    const upload = valid.uploadId ? await this.deps.uploads?.get(valid.uploadId) : undefined;
    if (valid.uploadId && upload?.owner !== owner) {
      throw new UserInputError(`uploadId: no upload "${valid.uploadId}" for this API key (uploads expire with the job TTL)`, "uploadId", ErrorCode.NOT_FOUND);
    }
    const job: JobRecord = {
      requestId: valid.requestId ?? randomUUID(),
      owner,
      status: "QUEUED",
      progress: 0,
      submittedAt: new Date().toISOString(),
      options: valid.options,
      source: valid.audio
        ? { kind: "content", bytes: valid.audio.length }
        : upload
          ? { kind: "upload", uploadId: upload.uploadId, bytes: upload.bytes }
          : { kind: "url", url: valid.url! },
      inputHash: valid.inputHash,
      webhook: valid.webhook,
      api: API_NAME,
      version: 1,
    };
    const outcome = await this.deps.store.create(job, valid.audio);
    if (!outcome.created) {
      const existing = outcome.existing;
      if (existing.owner !== owner || existing.inputHash !== job.inputHash) {
        throw new UserInputError(
          `requestId: "${job.requestId}" was already used for a different submission; use a new requestId`,
          "requestId",
        );
      }
      // Idempotent resubmission: same caller, same input. Enqueue again in case the first
      // enqueue was lost (the queue dedupes by requestId).
      if (!isFinal(existing.status)) await this.deps.queue.enqueue(existing.requestId);
      return existing;
    }
    await this.deps.queue.enqueue(job.requestId);
    jobsSubmitted.inc();
    this.deps.log.info({ requestId: job.requestId, owner, source: job.source.kind }, "job queued");
    return job;
  }

  /** The job if it exists and belongs to `owner`; another owner's job is indistinguishable from a missing one. */
  async get(owner: string, requestId: string): Promise<JobRecord | undefined> {
    const job = await this.deps.store.get(requestId);
    return job && job.owner === owner ? (await this.withDelivery([job]))[0] : undefined;
  }

  async list(owner: string, first: number, after?: string, status?: JobStatus) {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw new UserInputError("first: must be from 1 to 100", "first");
    const page = await this.deps.store.list(owner, first, after, status);
    return { ...page, items: await this.withDelivery(page.items) };
  }

  /**
   * Adds the client webhook delivery state to final jobs that have a webhook. It is kept
   * apart from the record because a final record is immutable; a final job with nothing
   * attempted yet reads as PENDING. A status read failure leaves the field out rather than
   * failing the read of the job itself.
   */
  private async withDelivery(jobs: JobRecord[]): Promise<JobRecord[]> {
    const hooks = this.deps.webhooks;
    const ids = jobs.filter((j) => j.webhook && isFinal(j.status)).map((j) => j.requestId);
    if (!hooks || ids.length === 0) return jobs;
    const states = await hooks.statuses(ids).catch(() => undefined);
    if (!states) return jobs;
    return jobs.map((j) =>
      ids.includes(j.requestId)
        ? { ...j, webhookDelivery: states.get(j.requestId) ?? { deliveryId: clientDeliveryId(j.requestId), status: "PENDING", attempts: 0 } }
        : j,
    );
  }

  /**
   * Streams the job's states: the current one at once, then every change, ending after
   * the final state. Subscribes before reading the store, so a completion published in
   * between is not missed (Redis pub/sub keeps nothing for late listeners).
   */
  async *watch(owner: string, requestId: string, signal?: AbortSignal): AsyncGenerator<JobRecord> {
    const pending: JobRecord[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = await this.deps.bus.subscribe(requestId, (job) => {
      pending.push(job);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      const current = await this.get(owner, requestId);
      if (!current) throw new UserInputError(`requestId: no analysis "${requestId}" for this API key`, "requestId", ErrorCode.NOT_FOUND);
      let version = current.version;
      yield current;
      if (isFinal(current.status)) return;
      while (!signal?.aborted) {
        while (pending.length) {
          const job = pending.shift()!;
          if (job.owner !== owner || job.version <= version) continue;
          version = job.version;
          yield isFinal(job.status) ? (await this.withDelivery([job]))[0]! : job;
          if (isFinal(job.status)) return;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await unsubscribe();
    }
  }

  /** Records progress reported by a worker and tells subscribers. Ignored once final. */
  async progress(requestId: string, patch: Pick<JobRecord, "progress"> & Partial<Pick<JobRecord, "stage" | "status" | "startedAt">>) {
    const out = await this.deps.store.update(requestId, patch);
    if (out && "updated" in out) await this.deps.bus.publish(out.updated);
    return out;
  }

  /**
   * Applies a completion (the webhook door): refuses a replayed webhook-id, stores the final
   * state unless the job is final already (a second completion changes nothing), publishes
   * it, store first. With Redis that is one script call. A job with a client webhook has it
   * queued before subscribers hear, also when it was final already: a completion retried
   * after a crash between storing and queueing must still queue it (scheduling is idempotent
   * per job). Errors propagate so the webhook answers 5xx and the sender retries. The audio
   * stays until the job expires (the results page plays it back).
   */
  async complete(
    requestId: string,
    outcome: { response: DeepAffectsResponse } | { error: JobError },
    replay?: { messageId: string; ttlSeconds: number },
  ): Promise<CompletionOutcome> {
    const completedAt = new Date().toISOString();
    const final: FinalPatch =
      "response" in outcome
        ? { status: "COMPLETED", progress: 1, result: outcome.response, completedAt }
        : { status: "FAILED", error: outcome.error, completedAt };
    const out = await this.completions.apply(requestId, final, replay);
    if (out.kind === "replayed") {
      await this.ensureFinalEffects(requestId);
      return out;
    }
    if (out.kind === "missing") return out;
    if (out.held) {
      if (this.deps.webhooks) await this.deps.webhooks.schedule(out.held.job);
      await out.held.publish();
    }
    if (out.kind === "applied") {
      jobsFinished.inc({ status: out.status });
      jobDuration.observe((Date.now() - Date.parse(out.submittedAt)) / 1000);
      // debug, not info: one line per completion is per-message work on the hot path; the
      // counters above cover the totals
      this.deps.log.debug({ requestId, status: out.status }, "job finished");
    }
    return out;
  }

  /**
   * A replayed completion (its webhook-id already marked) may be the sender's retry after we
   * answered 5xx: the mark was set, but queueing the client webhook or publishing failed and
   * the mark could not be forgotten (Redis was down). The retry then gets its 409, but the
   * job's side effects are made sure of here: the webhook is queued (idempotent per job) and
   * the final state published again (subscribers drop versions they have seen). A replay of a
   * job that is not final changes nothing.
   */
  private async ensureFinalEffects(requestId: string) {
    const job = await this.deps.store.get(requestId);
    if (!job || !isFinal(job.status)) return;
    if (job.webhook && this.deps.webhooks) await this.deps.webhooks.schedule(job);
    await this.deps.bus.publish(job);
  }
}
