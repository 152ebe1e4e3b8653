import "reflect-metadata";
import { ConfigError, loadConfig } from "./config/index.js";
import { createLogger } from "./logger.js";
import { startGateway } from "./server.js";

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(config.logLevel);
const gateway = await startGateway(config, log).catch((err: Error) => {
  // a data directory held by another gateway, or not writable: say so, no stack
  if (err.name === "DataDirError") {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
});
log.info(
  { url: `${gateway.url}/graphql`, mode: config.mode, worker: config.runWorker },
  `Interaction Analytics Gateway ready: results page ${gateway.url}/, GraphQL ${gateway.url}/graphql (${config.mode} mode${config.runWorker ? ", with worker" : ", gateway only"})`,
);
if (config.apiKeys.length === 0) {
  log.warn("API_KEYS is not set: running open to anyone on this machine, listening on 127.0.0.1 only");
}
if (config.webhookSecretGenerated) log.info("WEBHOOK_SECRET not set: using a random secret for this process (embedded mode)");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: draining connections and the running job");
    // close() bounds each step by SHUTDOWN_TIMEOUT_MS; this is the last resort.
    const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 15_000);
    force.unref();
    await gateway.close().catch((err) => log.error({ err }, "error during shutdown"));
    process.exit(0);
  });
}
