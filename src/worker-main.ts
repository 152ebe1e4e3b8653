/**
 * A standalone analysis worker (distributed mode): consumes the BullMQ queue on REDIS_URL,
 * and posts results to the gateway's completion door at PUBLIC_URL, signed with WEBHOOK_SECRET.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "./config/index.js";
import { OutboundPolicy } from "./http/outbound.js";
import { createAdapters } from "./jobs/adapters.js";
import { JobService } from "./jobs/service.js";
import { createLogger } from "./logger.js";
import { createGiveUpHandler, createJobProcessor } from "./worker/processor.js";

let config;
try {
  config = loadConfig();
  if (config.mode !== "distributed") throw new ConfigError(["REDIS_URL: required for a standalone worker"]);
  if (!config.publicUrl) throw new ConfigError(["PUBLIC_URL: required for a standalone worker (where the gateway's webhook door is)"]);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(config.logLevel, "worker");
const adapters = createAdapters(config, log);
const jobs = new JobService({ ...adapters, log, maxAudioBytes: config.maxAudioBytes });
const publicUrl = config.publicUrl!;
const workerDeps = {
  store: adapters.store,
  log,
  completionUrl: () => `${publicUrl}/webhooks/analysis`,
  webhookSecret: config.webhookSecret,
};
await adapters.queue.consume(
  createJobProcessor({
    ...workerDeps,
    jobs,
    maxAudioBytes: config.maxAudioBytes,
    maxAudioSeconds: config.limits.maxAudioSeconds,
    maxDecodedAudioBytes: config.limits.maxDecodedAudioBytes,
    outbound: new OutboundPolicy(config.allowedOutboundHosts),
    outboundTimeoutMs: config.outboundTimeoutMs,
  }),
  config.workerConcurrency,
  createGiveUpHandler(workerDeps),
);
log.info({ concurrency: config.workerConcurrency }, "worker ready");

// SIGTERM: stop taking jobs and finish the running one. Past SHUTDOWN_TIMEOUT_MS the process
// exits anyway; BullMQ then hands the unfinished job to another worker once its lock lapses.
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "worker stopping: finishing the running job");
    setTimeout(() => {
      log.warn("running job did not finish in time; leaving it to another worker");
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await adapters.close().catch(() => undefined);
    process.exit(0);
  });
}
