import { randomBytes } from "node:crypto";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/logger.js";
import { startGateway, type Gateway } from "../../src/server.js";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_SECRET = `whsec_${Buffer.from("test-secret-0123456789abcdef").toString("base64")}`;

/** A fresh Redis key prefix, so test runs never see each other's data. */
export const uniquePrefix = () => `iagtest-${randomBytes(4).toString("hex")}`;

/** Starts a real gateway on a free port (embedded unless REDIS_URL is given). */
export async function startTestGateway(env: Record<string, string | undefined> = {}): Promise<Gateway> {
  const config = loadConfig({ PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", NODE_ENV: "test", ...env });
  return startGateway(config, createLogger(config.logLevel));
}
