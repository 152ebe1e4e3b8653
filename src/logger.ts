import { pino, type Logger } from "pino";

/** Structured logs on stdout. Never log API keys, secrets or audio. */
export function createLogger(level: string, name = "gateway"): Logger {
  return pino({
    name,
    level,
    redact: { paths: ["apiKey", "*.apiKey", "headers.authorization", "*.authorization", "secret", "*.secret"], remove: true },
  });
}
export type { Logger };
