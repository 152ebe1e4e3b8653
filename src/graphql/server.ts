/**
 * GraphQL over HTTP (Apollo Server on Express) and over WebSocket (graphql-ws), sharing one
 * schema. Authentication: HTTP in Apollo's context function; WebSocket in `onConnect`,
 * because the upgrade bypasses every Express middleware.
 */
import type { Server as HttpServer } from "node:http";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, parse, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import { randomUUID } from "node:crypto";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { RequestHandler } from "express";
import { ErrorCode } from "../errors/codes.js";
import type { JobService } from "../jobs/service.js";
import type { ClientWebhookSecrets } from "../webhooks/secrets.js";
import type { Logger } from "../logger.js";
import { keyFromConnectionParams, keyFromRequest, type ApiKeys } from "../http/auth.js";
import { checkQueryLimits, type ConnectionLimiter } from "../http/limits.js";
import type { Limits } from "../config/index.js";
import type { GraphQLContext } from "./context.js";
import { getSchema } from "./schema.js";

export interface GraphQLServer {
  httpHandler: RequestHandler;
  close(): Promise<void>;
}

const unauthenticated = () =>
  new GraphQLError("missing or invalid API key: send Authorization: Bearer <key>, x-api-key, or ?apikey=", {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });

/**
 * Hides internals of unexpected errors; coded client errors pass through. The masked error
 * is logged by the `logUnexpectedErrors` plugin (HTTP) or `maskResult` (WebSocket), with
 * the request id that the client also gets in `extensions.requestId`.
 */
export function formatError(_log: Logger) {
  return (formatted: GraphQLFormattedError, _error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code as string | undefined;
    if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return { message: "internal server error", path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** True for errors that are not a client's fault (no code, or an internal one): these get masked. */
const isUnexpected = (e: { extensions?: Record<string, unknown> }) => !e.extensions?.code || e.extensions.code === ErrorCode.INTERNAL_SERVER_ERROR;

/** HTTP: logs unexpected errors with the request id, adds that id to masked errors, and applies depth/complexity limits. */
function limitsAndLogging(log: Logger, limits: Limits): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request }) {
      const requestId = request.http?.headers.get("x-request-id") ?? randomUUID();
      return {
        async didResolveOperation({ document, schema, request: r }) {
          const err = checkQueryLimits(schema, document, r.variables, r.operationName ?? undefined, limits);
          if (err) throw err;
        },
        async didEncounterErrors({ errors }) {
          for (const e of errors) {
            if (!isUnexpected(e)) continue;
            log.error({ err: unwrapResolverError(e), path: e.path, requestId }, "unexpected GraphQL error");
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== "single" || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) =>
            e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR ? { ...e, extensions: { ...e.extensions, requestId } } : e,
          );
        },
      };
    },
  };
}

/** WebSocket: the same masking for results streamed over graphql-ws. */
function maskResult(log: Logger, result: ExecutionResult | FormattedExecutionResult, opId: string): FormattedExecutionResult {
  if (!result.errors?.length) return result as FormattedExecutionResult;
  return {
    ...(result as FormattedExecutionResult),
    errors: result.errors.map((e) => {
      const json = "toJSON" in e && typeof e.toJSON === "function" ? (e.toJSON() as GraphQLFormattedError) : (e as GraphQLFormattedError);
      if (!isUnexpected(json)) return json;
      const requestId = randomUUID();
      log.error({ err: e instanceof GraphQLError ? unwrapResolverError(e) : e, path: json.path, requestId, opId }, "unexpected GraphQL error (websocket)");
      return { message: "internal server error", path: json.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } };
    }),
  };
}

export async function createGraphQLServer(deps: {
  httpServer: HttpServer;
  jobs: JobService;
  webhookSecrets: ClientWebhookSecrets;
  apiKeys: ApiKeys;
  log: Logger;
  allowedOrigins: (origin: string, host: string | undefined) => boolean;
  limits: Limits;
  connections: ConnectionLimiter;
}): Promise<GraphQLServer> {
  const schema = await getSchema();
  // maxPayload: a subscription message is small; audio is submitted over HTTP.
  const wsServer = new WebSocketServer({ server: deps.httpServer, path: "/graphql", maxPayload: 1024 * 1024 });
  // Connection count per process: a socket over the limit is closed before graphql-ws sees it.
  wsServer.on("connection", (socket) => {
    if (!deps.connections.open()) return void socket.close(1013, "too many connections; try again later");
    socket.once("close", () => deps.connections.release());
  });
  const wsCleanup = useServer<Record<string, unknown>, { owner?: string; subscriptions?: Set<string> }>(
    {
      schema,
      onConnect: (ctx) => {
        const origin = ctx.extra.request.headers.origin;
        if (origin && !deps.allowedOrigins(origin, ctx.extra.request.headers.host)) return false;
        const owner = deps.apiKeys.ownerOf(keyFromConnectionParams(ctx.connectionParams));
        if (!owner) return false; // closes with 4403 Forbidden
        if (!deps.connections.join(owner)) {
          ctx.extra.socket.close(1013, "too many connections for this API key; try again later");
          return false;
        }
        ctx.extra.owner = owner;
        ctx.extra.subscriptions = new Set();
        return true;
      },
      onClose: (ctx) => {
        if (ctx.extra.owner) deps.connections.leave(ctx.extra.owner);
      },
      onSubscribe: (ctx, id, payload) => {
        const subs = ctx.extra.subscriptions!;
        if (subs.size >= deps.connections.maxSubscriptions) {
          return [
            new GraphQLError(`too many operations on this connection (limit ${deps.connections.maxSubscriptions}); open another connection or complete some`, {
              extensions: { code: ErrorCode.RATE_LIMITED },
            }),
          ];
        }
        let doc;
        try {
          doc = parse(payload.query);
        } catch {
          return; // graphql-ws reports the syntax error itself
        }
        const err = checkQueryLimits(schema, doc, payload.variables ?? undefined, payload.operationName ?? undefined, deps.limits);
        if (err) return [err];
        subs.add(id);
      },
      onComplete: (ctx, id) => void ctx.extra.subscriptions?.delete(id),
      onNext: (_ctx, id, _payload, _args, result) => maskResult(deps.log, result, id),
      onError: (ctx, id, _payload, errors) => {
        ctx.extra.subscriptions?.delete(id);
        return maskResult(deps.log, { errors }, id).errors;
      },
      context: (ctx): GraphQLContext => ({ owner: ctx.extra.owner!, jobs: deps.jobs, webhookSecrets: deps.webhookSecrets }),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // No automatic persisted queries: an unbounded query cache fed by clients is memory
    // anyone can fill, and our clients send full queries.
    persistedQueries: false,
    // Our SIGTERM handler stops things in order (worker first, then HTTP); Apollo's own
    // would close the HTTP server at once, cutting off the running job's completion.
    stopOnTerminationSignals: false,
    formatError: formatError(deps.log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: deps.httpServer }),
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      limitsAndLogging(deps.log, deps.limits),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();

  const httpHandler = expressMiddleware(apollo, {
    context: async ({ req }) => {
      const owner = deps.apiKeys.ownerOf(keyFromRequest(req));
      if (!owner) throw unauthenticated();
      return { owner, jobs: deps.jobs, webhookSecrets: deps.webhookSecrets };
    },
  });
  return {
    httpHandler,
    async close() {
      await apollo.stop();
      await new Promise<void>((r) => wsServer.close(() => r()));
    },
  };
}
