import { Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../context.js";
import { graphqlErrors } from "./analysis.js";

/** The caller's client-webhook signing secret (src/webhooks/secrets.ts has the logic). */
@Resolver()
export class WebhookSecretResolver {
  @Query(() => String, {
    description:
      "The Standard Webhooks secret (whsec_…) that verifies the callbacks of the caller's jobs (webhook-signature header). " +
      "Set by the operator for some keys; otherwise derived for this key, with nothing to configure.",
  })
  webhookSigningSecret(@Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.webhookSecrets.current(ctx.owner);
  }

  @Mutation(() => String, {
    description:
      "Replaces the caller's webhook signing secret and returns the new one. During the grace period " +
      "(WEBHOOK_SECRET_ROTATION_GRACE_SECONDS, default 24 h) callbacks carry signatures with both the old and the new secret. " +
      "FORBIDDEN when the operator configured this key's secret.",
  })
  rotateWebhookSigningSecret(@Ctx() ctx: GraphQLContext): Promise<string> {
    return graphqlErrors(() => ctx.webhookSecrets.rotate(ctx.owner));
  }
}
