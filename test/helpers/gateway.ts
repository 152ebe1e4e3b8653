import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/logger.js";
import { startGateway, type Gateway } from "../../src/server.js";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_SECRET = `whsec_${Buffer.from("test-secret-0123456789abcdef").toString("base64")}`;

/** A fresh Redis key prefix, so test runs never see each other's data. */
export const uniquePrefix = () => `iagtest-${randomBytes(4).toString("hex")}`;

/** A fresh temporary data directory (embedded mode), so gateways never share ./data. */
export const tempDataDir = () => mkdtempSync(join(tmpdir(), "iag-data-"));

/**
 * Starts a real gateway on a free port (embedded unless REDIS_URL is given). Without a
 * DATA_DIR it gets a temporary one of its own, removed when the gateway closes.
 */
export async function startTestGateway(env: Record<string, string | undefined> = {}): Promise<Gateway> {
  const own = env.DATA_DIR ? undefined : tempDataDir();
  const config = loadConfig({ PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", NODE_ENV: "test", ...(own ? { DATA_DIR: own } : {}), ...env });
  const gw = await startGateway(config, createLogger(config.logLevel)).catch((err) => {
    if (own) rmSync(own, { recursive: true, force: true });
    throw err;
  });
  if (!own) return gw;
  const close = gw.close.bind(gw);
  return Object.assign(gw, { close: () => close().finally(() => rmSync(own, { recursive: true, force: true })) });
}
