/**
 * The one validated configuration module. Everything configurable comes from the
 * environment, is checked here at start-up, and a bad value stops the process with a
 * message naming the variable.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";

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
    .refine((v) => v === undefined || v === "" || /^whsec_[A-Za-z0-9+/=]{16,}$/.test(v), {
      message: "must be a Standard Webhooks secret: whsec_ followed by base64 (at least 16 characters)",
    }),
  PUBLIC_URL: httpUrl.optional(),
  RUN_WORKER: bool(true),
  WORKER_CONCURRENCY: int(1, 1, 64),
  MAX_AUDIO_BYTES: int(100 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
  JOB_TTL_SECONDS: int(7 * 24 * 3600, 60, 365 * 24 * 3600),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
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
  maxAudioBytes: number;
  jobTtlSeconds: number;
  logLevel: string;
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
  const apiKeys = (e.API_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
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
    maxAudioBytes: e.MAX_AUDIO_BYTES,
    jobTtlSeconds: e.JOB_TTL_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
}
