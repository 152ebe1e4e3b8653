import "reflect-metadata";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema } from "type-graphql";
import type { GraphQLSchema } from "graphql";
import { AnalysisResolver } from "./resolvers/analysis.js";
import { WebhookSecretResolver } from "./resolvers/webhooks.js";

let cached: Promise<GraphQLSchema> | undefined;

/** Builds the executable schema once per process. */
export function getSchema(): Promise<GraphQLSchema> {
    // Our subscriptions bring their own `subscribe` (JobService.watch over the EventBus
  // adapter); type-graphql still insists on a pubSub, which stays unused.
  cached ??= buildSchema({ resolvers: [AnalysisResolver, WebhookSecretResolver], validate: false, pubSub: createPubSub() });
  return cached;
}
