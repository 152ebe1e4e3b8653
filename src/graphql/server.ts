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
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { RequestHandler } from "express";
import { ErrorCode } from "../errors/codes.js";
import type { JobService } from "../jobs/service.js";
import type { Logger } from "../logger.js";
import { keyFromConnectionParams, keyFromRequest, type ApiKeys } from "../http/auth.js";
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

/** Hides internals of unexpected errors; coded client errors pass through. */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code as string | undefined;
    const original = unwrapResolverError(error);
    if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: original, path: formatted.path }, "unexpected GraphQL error");
    return { message: "internal server error", path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

export async function createGraphQLServer(deps: {
  httpServer: HttpServer;
  jobs: JobService;
  apiKeys: ApiKeys;
  log: Logger;
  allowedOrigins: (origin: string, host: string | undefined) => boolean;
}): Promise<GraphQLServer> {
  const schema = await getSchema();
  const wsServer = new WebSocketServer({ server: deps.httpServer, path: "/graphql" });
  const wsCleanup = useServer<Record<string, unknown>, { owner?: string }>(
    {
      schema,
      onConnect: (ctx) => {
        const origin = ctx.extra.request.headers.origin;
        if (origin && !deps.allowedOrigins(origin, ctx.extra.request.headers.host)) return false;
        const owner = deps.apiKeys.ownerOf(keyFromConnectionParams(ctx.connectionParams));
        if (!owner) return false; // closes with 4403 Forbidden
        ctx.extra.owner = owner;
        return true;
      },
      context: (ctx): GraphQLContext => ({ owner: ctx.extra.owner!, jobs: deps.jobs }),
      onError: (_ctx, _id, _payload, errors) => {
        for (const e of errors) if (!e.extensions?.code) deps.log.warn({ err: e.message }, "graphql-ws operation error");
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: formatError(deps.log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: deps.httpServer }),
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();

  const httpHandler = expressMiddleware(apollo, {
    context: async ({ req }) => {
      const owner = deps.apiKeys.ownerOf(keyFromRequest(req));
      if (!owner) throw unauthenticated();
      return { owner, jobs: deps.jobs };
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
