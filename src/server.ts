/**
 * Assembles one gateway process: adapters, job service, HTTP routes, GraphQL (HTTP + WS),
 * and, unless RUN_WORKER=false, an in-process worker consuming the queue.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { Redis } from "ioredis";
import type { Config } from "./config/index.js";
import { ErrorCode, RestErrorType } from "./errors/codes.js";
import { createGraphQLServer } from "./graphql/server.js";
import { ApiKeys } from "./http/auth.js";
import {
  braceDepth,
  ConnectionLimiter,
  countSubmissions,
  cutChunkedJson,
  MemoryRateLimiter,
  RedisRateLimiter,
  rateLimit,
  refusal,
  refuse,
  rejectDeclaredOversize,
} from "./http/limits.js";
import { OutboundPolicy } from "./http/outbound.js";
import { deepAffectsRoutes } from "./http/routes/deepaffects.js";
import { audioRoutes } from "./http/routes/audio.js";
import { healthRoutes } from "./http/routes/health.js";
import { completionDoor } from "./http/routes/webhooks.js";
import { requestIdFor } from "./http/request-id.js";
import { webRoutes } from "./http/routes/web.js";
import { uploadRoutes } from "./http/routes/uploads.js";
import { createAdapters, type Adapters } from "./jobs/adapters.js";
import { JobService } from "./jobs/service.js";
import { createLogger, type Logger } from "./logger.js";
import { createClientWebhooks, type ClientWebhookRuntime } from "./webhooks/index.js";
import { createGiveUpHandler, createJobProcessor } from "./worker/processor.js";

export interface Gateway {
  url: string;
  port: number;
  jobs: JobService;
  adapters: Adapters;
  webhooks: ClientWebhookRuntime;
  httpServer: Server;
  close(): Promise<void>;
}

/** Resolves when `p` settles or after `ms`, whichever comes first (shutdown steps must not hang). */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.catch(() => undefined), new Promise<void>((r) => setTimeout(r, ms).unref())]);

export async function startGateway(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Gateway> {
  const adapters = createAdapters(config, log);
  const outbound = new OutboundPolicy(config.allowedOutboundHosts);
  // Redis for delivery states, and one for rate limits that fails fast (no offline queue)
  // so a Redis outage falls back to per-process limits instead of stalling requests.
  const aux = config.mode === "distributed" ? new Redis(config.redisUrl!, { connectionName: "iag-aux" }) : undefined;
  const limitsRedis =
    config.mode === "distributed" ? new Redis(config.redisUrl!, { connectionName: "iag-ratelimit", enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  for (const [name, r] of [["aux", aux], ["ratelimit", limitsRedis]] as const) {
    r?.on("error", (err) => log.debug({ err: err.message, connection: name }, "redis connection error"));
  }
  const limiter = limitsRedis ? new RedisRateLimiter(limitsRedis, config.redisPrefix) : new MemoryRateLimiter();
  const webhooks = createClientWebhooks(config, { store: adapters.store, policy: outbound, log, redis: aux, dataDir: adapters.dataDir });
  const jobs = new JobService({ ...adapters, log, maxAudioBytes: config.maxAudioBytes, webhooks: webhooks.service, urlPolicy: outbound });
  const apiKeys = new ApiKeys(config.apiKeys);
  const limits = config.limits;
  const app = express();
  app.disable("x-powered-by");
  // The completion door is served ahead of Express: it is the distributed mode's hot path.
  const door = completionDoor({ jobs, store: adapters.store, secret: config.webhookSecret, log, maxBodyBytes: 64 * 1024 * 1024 });
  const httpServer = createServer((req, res) => (door.matches(req) ? door.handle(req, res) : app(req, res)));
  // Idle keep-alive sockets stay open longer than load balancers' idle timeout (60 s on
  // most), so a balancer never reuses one we are closing (its 502s); headers above it.
  httpServer.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  httpServer.headersTimeout = config.http.headersTimeoutMs;
  httpServer.requestTimeout = Math.max(httpServer.requestTimeout, config.http.headersTimeoutMs + 1000);
  let publicUrl = config.publicUrl ?? "";
  let draining = false;

  const graphql = await createGraphQLServer({
    httpServer,
    jobs,
    webhookSecrets: webhooks.secrets,
    apiKeys,
    log,
    limits,
    connections: new ConnectionLimiter(limits),
    allowedOrigins: (origin, host) => {
      try {
        const o = new URL(origin);
        return o.host === host || (publicUrl !== "" && o.origin === new URL(publicUrl).origin);
      } catch {
        return false;
      }
    },
  });

  // Every request gets an id: echoed in x-request-id, logged with unexpected errors, and
  // returned in masked error responses so a user can quote it.
  app.use((req, res, next) => {
    const id = requestIdFor(req.headers["x-request-id"]);
    req.headers["x-request-id"] = id;
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    next();
  });
  // While shutting down, tell load balancers to stop sending traffic here.
  app.get("/readyz", (_req, res, next) => (draining ? void res.status(503).json({ status: "draining" }) : next()));
  app.use(healthRoutes(adapters.store));
  // The results page at / (static, CSP) and the audio it plays.
  app.use(webRoutes());
  app.use(audioRoutes({ jobs, store: adapters.store, apiKeys, limiter, ratePerMinute: limits.ratePerMinute }));
  app.use(
    uploadRoutes({ uploads: adapters.uploads, apiKeys, limiter, ratePerMinute: limits.ratePerMinute, maxUploadBytes: config.maxUploadBytes, log }),
  );
  app.use(
    deepAffectsRoutes({
      jobs,
      apiKeys,
      limiter,
      ratePerMinute: limits.ratePerMinute,
      submitsPerMinute: limits.submitsPerMinute,
      maxBodyBytes: limits.maxBodyBytes,
      log,
    }),
  );
  const graphqlError = (res: express.Response, status: number, code: string, message: string) =>
    void res.status(status).json({ errors: [{ message, extensions: { code } }] });
  app.use(
    "/graphql",
    rateLimit({ limiter, apiKeys, bucket: "all", limit: limits.ratePerMinute, style: "graphql", cost: (req) => (req.method === "POST" ? 1 : 0) }),
    rejectDeclaredOversize(limits.maxBodyBytes, "graphql"),
    cutChunkedJson(limits.maxBodyBytes, "graphql", { strict: true, anyType: false }),
    express.json({ limit: limits.maxBodyBytes }),
    // graphql-js parses recursively: refuse absurd nesting before it reaches the parser.
    (req, res, next) => {
      const query = (req.body as { query?: unknown } | undefined)?.query;
      if (typeof query === "string" && braceDepth(query) > limits.maxQueryDepth * 2 + 10) {
        return graphqlError(res, 400, ErrorCode.QUERY_TOO_COMPLEX, `query nesting exceeds the limit (depth ${limits.maxQueryDepth})`);
      }
      next();
    },
    rateLimit({ limiter, apiKeys, bucket: "submit", limit: limits.submitsPerMinute, style: "graphql", cost: (req) => countSubmissions(req.body) }),
    graphql.httpHandler,
  );
  app.use((err: { status?: number; type?: string; message?: string }, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const graphqlPath = req.path.startsWith("/graphql");
    const fail = (status: number, code: ErrorCode, message: string) =>
      graphqlPath ? graphqlError(res, status, code, message) : void res.status(status).json({ error: { type: RestErrorType[code], message } });
    if (err.type === "entity.too.large") {
      return refuse(req, res, 413, refusal(graphqlPath ? "graphql" : "rest", ErrorCode.PAYLOAD_TOO_LARGE, `request body larger than the limit of ${limits.maxBodyBytes} bytes`));
    }
    if (err.type === "entity.parse.failed") return fail(400, ErrorCode.BAD_USER_INPUT, "request body is not valid JSON");
    if (err.status && err.status < 500) return fail(err.status, ErrorCode.BAD_USER_INPUT, err.message ?? "bad request");
    const requestId = res.locals.requestId as string;
    log.error({ err, requestId, path: req.path }, "unhandled HTTP error");
    res.status(500).json({ error: { type: "internal_error", message: `internal server error (request id ${requestId})` } });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  if (!publicUrl) publicUrl = `http://127.0.0.1:${port}`;

  if (config.runWorker) {
    const workerDeps = {
      store: adapters.store,
      log: log.child({ component: "worker" }),
      completionUrl: () => `${publicUrl}/webhooks/analysis`,
      webhookSecret: config.webhookSecret,
    };
    const processor = createJobProcessor({
      ...workerDeps,
      jobs,
      maxAudioBytes: config.maxAudioBytes,
      maxAudioSeconds: limits.maxAudioSeconds,
      maxDecodedAudioBytes: limits.maxDecodedAudioBytes,
      outbound,
      outboundTimeoutMs: config.outboundTimeoutMs,
    });
    await adapters.queue.consume(processor, config.workerConcurrency, createGiveUpHandler(workerDeps));
  }
  // Client webhooks are delivered by gateway processes (they hold the per-key secrets),
  // whether or not they also analyse audio.
  await webhooks.start();

  return {
    url,
    port,
    jobs,
    adapters,
    webhooks,
    httpServer,
    /**
     * Graceful stop: readiness turns 503; the in-process worker stops taking jobs and
     * finishes the running one (its completion still reaches this process's webhook door),
     * or, past SHUTDOWN_TIMEOUT_MS, leaves it to BullMQ to hand to another worker; running
     * webhook attempts finish; Apollo drains HTTP requests and closes WebSockets (1001,
     * clients reconnect elsewhere); then the connections to Redis close.
     */
    async close() {
      draining = true;
      await within(adapters.queue.close(), config.shutdownTimeoutMs);
      await within(webhooks.close(), Math.min(config.shutdownTimeoutMs, config.clientWebhooks.timeoutMs + 1000));
      await graphql.close();
      await adapters.close();
      await Promise.all([aux, limitsRedis].map((r) => r?.quit().catch(() => r.disconnect())));
      httpServer.closeAllConnections?.();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
