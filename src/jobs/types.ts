/**
 * Job state and the three adapter interfaces (store, event bus, queue). Each has an
 * in-memory implementation (embedded mode) and a Redis one (distributed mode); everything
 * above the adapters is the same code in both modes.
 */
import type { AnalysisOptions, DeepAffectsResponse } from "../analysis/types.js";

export const JOB_STATUSES = ["QUEUED", "RUNNING", "COMPLETED", "FAILED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const isFinal = (s: JobStatus) => s === "COMPLETED" || s === "FAILED";

export interface JobError {
  type: string;
  message: string;
}

export interface JobRecord {
  requestId: string;
  /** Opaque id of the API key that submitted the job (never the key itself). */
  owner: string;
  status: JobStatus;
  /** 0..1 while running. */
  progress: number;
  /** Pipeline stage currently running, for progress display. */
  stage?: string;
  submittedAt: string;
  startedAt?: string;
  completedAt?: string;
  options: AnalysisOptions;
  /** Where the audio comes from: stored bytes, an upload (POST /v1/uploads) or a URL the worker fetches. */
  source: { kind: "content"; bytes: number } | { kind: "upload"; uploadId: string; bytes: number } | { kind: "url"; url: string };
  /** Fingerprint of the submitted input, to tell an idempotent resubmission from a reuse. */
  inputHash: string;
  webhook?: string;
  /** The API this job was submitted through (DeepAffects `api` field). */
  api: string;
  result?: DeepAffectsResponse;
  error?: JobError;
  /** Incremented on every change; lets listeners drop stale events. */
  version: number;
  /**
   * State of the client webhook delivery, when the job has a `webhook`. Not part of the
   * stored record (a final record never changes): JobService fills it in on read from the
   * ClientWebhooks adapter.
   */
  webhookDelivery?: WebhookDelivery;
}

export const WEBHOOK_DELIVERY_STATES = ["PENDING", "DELIVERED", "FAILED"] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

export interface WebhookDelivery {
  /** The stable `webhook-id` every attempt carries, so receivers can drop duplicates. */
  deliveryId: string;
  status: WebhookDeliveryState;
  /** HTTP attempts made so far. */
  attempts: number;
  lastError?: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  deliveredAt?: string;
}

/** Client webhook delivery, as JobService sees it (src/webhooks implements it). */
export interface ClientWebhooks {
  /**
   * Schedules delivery of a final job's callback. Idempotent per job; resolves once the
   * delivery is durably queued (in distributed mode: in Redis).
   */
  schedule(job: JobRecord): Promise<void>;
  /** Delivery states by requestId (missing when nothing was attempted yet). */
  statuses(requestIds: string[]): Promise<Map<string, WebhookDelivery>>;
}

/** Static checks of caller-supplied URLs (src/http/outbound.ts implements it). */
export interface UrlPolicy {
  /** Throws UserInputError naming `field` for a URL that may not be fetched or called. */
  checkStatic(url: string, field: string): unknown;
}

export interface ListPage {
  items: JobRecord[];
  hasNextPage: boolean;
  endCursor?: string;
  totalCount: number;
}

/**
 * A job's stored audio for the analysis: a local file (read chunk by chunk, so memory stays
 * bounded) or bytes. `release` frees what was made for this read (a spooled copy).
 */
export type StoredAudio = ({ path: string } | { data: Buffer }) & { release(): Promise<void> };

export interface JobStore {
  /**
   * Creates the job unless its requestId exists; returns the existing record then. A job
   * whose source is an upload gets the upload's bytes attached (they then live as long as the job).
   */
  create(job: JobRecord, audio?: Buffer): Promise<{ created: true } | { created: false; existing: JobRecord }>;
  get(requestId: string): Promise<JobRecord | undefined>;
  /**
   * Applies `patch` unless the job is already final (COMPLETED/FAILED), atomically. Returns
   * the new record, or `{ final }` with the stored record when it was final already.
   */
  update(requestId: string, patch: Partial<JobRecord>): Promise<{ updated: JobRecord } | { final: JobRecord } | undefined>;
  /** The caller's jobs, newest first, cursor-paginated. */
  list(owner: string, first: number, after?: string, status?: JobStatus): Promise<ListPage>;
  /** The job's stored audio (content or upload), whole; kept until the job expires. */
  getAudio(requestId: string): Promise<Buffer | undefined>;
  /** The job's stored audio for the analysis (see StoredAudio); undefined when gone. */
  openAudio(requestId: string): Promise<StoredAudio | undefined>;
  deleteAudio(requestId: string): Promise<void>;
  /** Marks a webhook message id as processed; false when it was already (a replay). */
  markDelivery(messageId: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a delivery whose processing failed, so the sender's retry is accepted. */
  forgetDelivery(messageId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the completion door writes once: the final part of a job record. */
export type FinalPatch = Pick<JobRecord, "status" | "completedAt"> & Partial<Pick<JobRecord, "progress" | "result" | "error">>;

export type CompletionOutcome =
  | { kind: "missing" }
  | { kind: "replayed" }
  | {
      kind: "applied" | "alreadyFinal";
      /** The stored final status (the first completion's, for alreadyFinal). */
      status: JobStatus;
      submittedAt: string;
      /**
       * Set when the job has a client webhook: nothing was published yet, so the caller can
       * queue the webhook first and then `publish()` (subscribers never see a final state
       * whose callback is not queued).
       */
      held?: { job: JobRecord; publish(): Promise<void> };
    };

/**
 * The completion door's store step: refuses a replayed webhook-id, stores `final` unless the
 * job is final already (compare-and-set: a second completion changes nothing), and publishes
 * the stored final state, store first. Redis does it in one script call (src/jobs/redis/completion.ts);
 * any store + bus pair can do it in steps (src/jobs/completion.ts).
 */
export interface CompletionDoor {
  apply(requestId: string, final: FinalPatch, replay?: { messageId: string; ttlSeconds: number }): Promise<CompletionOutcome>;
}

export interface UploadRecord {
  uploadId: string;
  /** Owner id of the API key that uploaded it; nobody else can use it. */
  owner: string;
  bytes: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  /** Container recognised from the first bytes (e.g. "wav", "flac"), "unknown" for raw or unrecognised data. */
  format: string;
  createdAt: string;
}

/** Raw audio uploaded ahead of a submission (POST /v1/uploads), kept for the job TTL. */
export interface UploadStore {
  /**
   * Streams `body` into a new upload owned by `owner`. Past `maxBytes` it stops reading and
   * rejects with a PAYLOAD_TOO_LARGE UserInputError; nothing of the upload is kept then.
   */
  put(owner: string, body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<UploadRecord>;
  get(uploadId: string): Promise<UploadRecord | undefined>;
}

/** Fan-out of job state changes to every gateway replica. */
export interface EventBus {
  /** Resolves once the message reached the bus; rejects when it could not be published. */
  publish(job: JobRecord): Promise<void>;
  /** Resolves once the subscription is live, so nothing published afterwards is missed. */
  subscribe(requestId: string, onEvent: (job: JobRecord) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Work handed to analysis workers. */
export interface JobQueue {
  enqueue(requestId: string): Promise<void>;
  /** Starts consuming jobs with `handler` (a worker). */
  consume(handler: JobHandler, concurrency: number, onGiveUp?: GiveUpHandler): Promise<void>;
  close(): Promise<void>;
}

export interface JobProgress {
  (stage: string, fraction: number): Promise<void>;
}
export type JobHandler = (requestId: string, attempt: number) => Promise<void>;
/** Called once when the queue stops retrying a job (attempts used up, or too many crashed workers). */
export type GiveUpHandler = (requestId: string, reason: string) => Promise<void>;
