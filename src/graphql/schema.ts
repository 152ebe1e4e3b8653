import "reflect-metadata";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema } from "type-graphql";
import type { GraphQLSchema } from "graphql";
import { AnalysisResolver } from "./resolvers/analysis.js";

let cached: Promise<GraphQLSchema> | undefined;

/** Builds the executable schema once per process. */
export function getSchema(): Promise<GraphQLSchema> {
    // Our subscriptions bring their own `subscribe` (JobService.watch over the EventBus
  // adapter); type-graphql still insists on a pubSub, which stays unused.
  cached ??= buildSchema({ resolvers: [AnalysisResolver], validate: false, pubSub: createPubSub() });
  return cached;
}
