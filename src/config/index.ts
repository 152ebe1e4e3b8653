/**
 * The one validated configuration module. Everything configurable comes from the
 * environment, is checked here at start-up, and a bad value stops the process with a
 * message naming the variable.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { z } from "zod";
import { transcriberConfigFromEnv } from "../analysis/transcription/index.js";

const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .optional()
    .transform((v) => (v === undefined ? def : ["true", "1", "yes"].includes(v)));

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const WHSEC = /^whsec_[A-Za-z0-9+/=]{16,}$/;

const httpUrl = z
  .string()
  .url({ message: "must be an absolute URL" })
  .refine((u) => /^https?:\/\//.test(u), { message: "must be an http(s) URL" });

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(4000, 0, 65535),
  HOST: z.string().optional(),
  REDIS_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^rediss?:\/\//.test(v), { message: "must start with redis:// or rediss://" }),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/, "letters, digits, ':', '_' and '-' only").default("iag"),
  API_KEYS: z.string().optional(),
  WEBHOOK_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || WHSEC.test(v), {
      message: "must be a Standard Webhooks secret: whsec_ followed by base64 (at least 16 characters)",
    }),
  PUBLIC_URL: httpUrl.optional(),
  RUN_WORKER: bool(true),
  WORKER_CONCURRENCY: int(1, 1, 64),
  WORKER_LOCK_SECONDS: int(30, 5, 3600),
  MAX_AUDIO_BYTES: int(100 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
  MAX_UPLOAD_BYTES: int(1024 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
  DATA_DIR: z.string().min(1, "must be a directory path").default("./data"),
  JOB_TTL_SECONDS: int(7 * 24 * 3600, 60, 365 * 24 * 3600),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // --- limits and outbound rules (docs/security.md explains each) ---
  MAX_AUDIO_SECONDS: int(4 * 3600, 1, 7 * 24 * 3600),
  MAX_DECODED_AUDIO_BYTES: int(2 * 1024 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),
  MAX_BODY_BYTES: int(0, 0, 4 * 1024 * 1024 * 1024),
  ALLOWED_OUTBOUND_HOSTS: z.string().optional(),
  OUTBOUND_TIMEOUT_MS: int(60_000, 100, 3_600_000),
  CLIENT_WEBHOOK_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || WHSEC.test(v), { message: "must be a Standard Webhooks secret: whsec_ followed by base64 (at least 16 characters)" }),
  WEBHOOK_MAX_ATTEMPTS: int(10, 5, 50),
  WEBHOOK_RETRY_BASE_MS: int(2000, 10, 3_600_000),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  WEBHOOK_CONCURRENCY: int(8, 1, 256),
  RATE_LIMIT_PER_MINUTE: int(600, 0, 1_000_000),
  SUBMIT_RATE_LIMIT_PER_MINUTE: int(60, 0, 1_000_000),
  MAX_QUERY_DEPTH: int(12, 2, 100),
  MAX_QUERY_COMPLEXITY: int(5000, 10, 10_000_000),
  MAX_WS_CONNECTIONS: int(1000, 1, 1_000_000),
  MAX_WS_CONNECTIONS_PER_KEY: int(50, 1, 1_000_000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(100, 1, 100_000),
  SHUTDOWN_TIMEOUT_MS: int(25_000, 0, 600_000),
  WEBHOOK_SECRET_ROTATION_GRACE_SECONDS: int(24 * 3600, 0, 30 * 24 * 3600),
  // Above common load balancers' 60 s idle timeout, so they never reuse a socket we just closed.
  HTTP_KEEP_ALIVE_SECONDS: int(65, 1, 3600),
});

export type Mode = "embedded" | "distributed";

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  mode: Mode;
  redisUrl?: string;
  redisPrefix: string;
  /** Accepted API keys; empty means the server runs open (loopback only). */
  apiKeys: string[];
  webhookSecret: string;
  /** True when WEBHOOK_SECRET was not set and a random one was made for this process. */
  webhookSecretGenerated: boolean;
  /** Base URL where workers reach the webhook door; undefined: http://127.0.0.1:<bound port>. */
  publicUrl?: string;
  runWorker: boolean;
  workerConcurrency: number;
  /** Distributed mode: a job whose worker stops renewing its lock this long is handed to another worker. */
  workerLockSeconds: number;
  maxAudioBytes: number;
  /** Largest body of POST /v1/uploads, enforced while it streams in. */
  maxUploadBytes: number;
  /** Embedded mode: where jobs, results, queues, uploads, audio and webhook signing keys are kept (SQLite + files); absolute. */
  dataDir: string;
  jobTtlSeconds: number;
  logLevel: string;
  limits: Limits;
  /** Hosts (names or IP literals) that outbound requests may reach even when internal. */
  allowedOutboundHosts: string[];
  outboundTimeoutMs: number;
  clientWebhooks: ClientWebhookConfig;
  shutdownTimeoutMs: number;
  /** HTTP server timeouts: keep-alive idle, and the header timeout above it. */
  http: { keepAliveTimeoutMs: number; headersTimeoutMs: number };
}

export interface Limits {
  /** Largest request body, bytes (JSON with base64 audio; REST and GraphQL). */
  maxBodyBytes: number;
  /** Longest audio accepted, seconds (checked from the container header before decoding). */
  maxAudioSeconds: number;
  /** Largest decoded PCM (samples x channels x 4 bytes) accepted. */
  maxDecodedAudioBytes: number;
  /** Requests per API key per minute, shared by all replicas through Redis; 0 = off. */
  ratePerMinute: number;
  /** Submissions (REST POST, submitAnalysis) per API key per minute; 0 = off. */
  submitsPerMinute: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  maxWsConnections: number;
  maxWsConnectionsPerKey: number;
  maxSubscriptionsPerConnection: number;
}

export interface ClientWebhookConfig {
  /** Signing secret per API key (from `key:whsec_...` entries of API_KEYS). */
  secretsByKey: Record<string, string>;
  /** Secret for keys without their own (CLIENT_WEBHOOK_SECRET); undefined: such keys get a derived one. */
  defaultSecret?: string;
  /** After rotateWebhookSigningSecret, callbacks are signed with the old secret too for this long. */
  rotationGraceSeconds: number;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  concurrency: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the configuration; throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  // Each API_KEYS entry is `key` or `key:whsec_...` (the key's own client-webhook secret).
  const secretsByKey: Record<string, string> = {};
  const apiKeys = (e.API_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(":whsec_");
      if (at < 0) return entry;
      const key = entry.slice(0, at);
      const secret = entry.slice(at + 1);
      if (!WHSEC.test(secret)) problems.push("API_KEYS: a key's secret must be whsec_ followed by base64 (at least 16 characters)");
      secretsByKey[key] = secret;
      return key;
    });
  for (const k of apiKeys) if (k.length < 8) problems.push("API_KEYS: each key must be at least 8 characters");
  const redisUrl = e.REDIS_URL || undefined;
  const mode: Mode = redisUrl ? "distributed" : "embedded";
  if (e.NODE_ENV === "production" && apiKeys.length === 0) {
    problems.push("API_KEYS: required when NODE_ENV=production (the server would be open to anyone)");
  }
  // Gateways and workers on other machines must share the webhook secret, so in
  // distributed mode it cannot be made up per process.
  if (mode === "distributed" && !e.WEBHOOK_SECRET) {
    problems.push("WEBHOOK_SECRET: required with REDIS_URL (gateways and workers must share it)");
  }
  // Clients hold their webhook secret; one equal to WEBHOOK_SECRET would let them forge completions.
  if (e.WEBHOOK_SECRET && [e.CLIENT_WEBHOOK_SECRET, ...Object.values(secretsByKey)].includes(e.WEBHOOK_SECRET)) {
    problems.push("CLIENT_WEBHOOK_SECRET / API_KEYS: client webhook secrets must differ from WEBHOOK_SECRET");
  }
  // The transcriber is configured where it runs (each analysis thread reads TRANSCRIBER etc.),
  // but a bad value should stop start-up here, not fail every job later.
  try {
    const t = transcriberConfigFromEnv(env);
    if (t.kind === "openai" && !t.openaiBaseUrl) problems.push("OPENAI_BASE_URL: required with TRANSCRIBER=openai");
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);

  const webhookSecret = e.WEBHOOK_SECRET || `whsec_${randomBytes(24).toString("base64")}`;
  // Without keys nobody is authenticated, so only this machine may connect.
  const host = apiKeys.length === 0 ? "127.0.0.1" : (e.HOST ?? "0.0.0.0");
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host,
    mode,
    redisUrl,
    redisPrefix: e.REDIS_PREFIX,
    apiKeys,
    webhookSecret,
    webhookSecretGenerated: !e.WEBHOOK_SECRET,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    runWorker: e.RUN_WORKER,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerLockSeconds: e.WORKER_LOCK_SECONDS,
    maxAudioBytes: e.MAX_AUDIO_BYTES,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    jobTtlSeconds: e.JOB_TTL_SECONDS,
    logLevel: e.LOG_LEVEL,
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES || Math.ceil((e.MAX_AUDIO_BYTES * 4) / 3) + 1024 * 1024,
      maxAudioSeconds: e.MAX_AUDIO_SECONDS,
      maxDecodedAudioBytes: e.MAX_DECODED_AUDIO_BYTES,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
      submitsPerMinute: e.SUBMIT_RATE_LIMIT_PER_MINUTE,
      maxQueryDepth: e.MAX_QUERY_DEPTH,
      maxQueryComplexity: e.MAX_QUERY_COMPLEXITY,
      maxWsConnections: e.MAX_WS_CONNECTIONS,
      maxWsConnectionsPerKey: e.MAX_WS_CONNECTIONS_PER_KEY,
      maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    },
    allowedOutboundHosts: (e.ALLOWED_OUTBOUND_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    outboundTimeoutMs: e.OUTBOUND_TIMEOUT_MS,
    clientWebhooks: {
      secretsByKey,
      defaultSecret: e.CLIENT_WEBHOOK_SECRET || undefined,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      rotationGraceSeconds: e.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    dataDir: resolve(e.DATA_DIR),
    http: { keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_SECONDS * 1000, headersTimeoutMs: (e.HTTP_KEEP_ALIVE_SECONDS + 5) * 1000 },
  };
}
