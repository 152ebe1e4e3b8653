/**
 * Assembles one gateway process: adapters, job service, HTTP routes, GraphQL (HTTP + WS),
 * and, unless RUN_WORKER=false, an in-process worker consuming the queue.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { Config } from "./config/index.js";
import { createGraphQLServer } from "./graphql/server.js";
import { ApiKeys } from "./http/auth.js";
import { healthRoutes } from "./http/routes/health.js";
import { webhookRoutes } from "./http/routes/webhooks.js";
import { createAdapters, type Adapters } from "./jobs/adapters.js";
import { JobService } from "./jobs/service.js";
import { createLogger, type Logger } from "./logger.js";
import { createJobProcessor } from "./worker/processor.js";

export interface Gateway {
  url: string;
  port: number;
  jobs: JobService;
  adapters: Adapters;
  httpServer: Server;
  close(): Promise<void>;
}

/** JSON bodies carry base64 audio: allow 4/3 of the audio limit plus room for the rest. */
export const jsonBodyLimit = (maxAudioBytes: number) => Math.ceil((maxAudioBytes * 4) / 3) + 1024 * 1024;

export async function startGateway(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Gateway> {
  const adapters = createAdapters(config, log);
  const jobs = new JobService({ ...adapters, log, maxAudioBytes: config.maxAudioBytes });
  const apiKeys = new ApiKeys(config.apiKeys);
  const app = express();
  app.disable("x-powered-by");
  const httpServer = createServer(app);
  let publicUrl = config.publicUrl ?? "";

  const graphql = await createGraphQLServer({
    httpServer,
    jobs,
    apiKeys,
    log,
    allowedOrigins: (origin, host) => {
      try {
        const o = new URL(origin);
        return o.host === host || (publicUrl !== "" && o.origin === new URL(publicUrl).origin);
      } catch {
        return false;
      }
    },
  });

  app.use(healthRoutes(adapters.store));
  app.use(webhookRoutes({ jobs, store: adapters.store, secret: config.webhookSecret, log, maxBodyBytes: 64 * 1024 * 1024 }));
  app.use("/graphql", express.json({ limit: jsonBodyLimit(config.maxAudioBytes) }), graphql.httpHandler);
  app.use((err: { status?: number; type?: string; message?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    if (err.type === "entity.too.large") return void res.status(413).json({ error: { type: "payload_too_large", message: "request body too large" } });
    if (err.status && err.status < 500) return void res.status(err.status).json({ error: { type: "bad_request", message: err.message } });
    log.error({ err }, "unhandled HTTP error");
    res.status(500).json({ error: { type: "internal_error", message: "internal server error" } });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  if (!publicUrl) publicUrl = `http://127.0.0.1:${port}`;

  if (config.runWorker) {
    const processor = createJobProcessor({
      store: adapters.store,
      jobs,
      log: log.child({ component: "worker" }),
      completionUrl: () => `${publicUrl}/webhooks/analysis`,
      webhookSecret: config.webhookSecret,
      maxAudioBytes: config.maxAudioBytes,
    });
    await adapters.queue.consume(processor, config.workerConcurrency);
  }

  return {
    url,
    port,
    jobs,
    adapters,
    httpServer,
    async close() {
      await adapters.queue.close(); // stop taking jobs, let running ones finish
      await graphql.close();
      await adapters.close();
      httpServer.closeAllConnections?.();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
