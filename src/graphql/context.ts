import type { JobService } from "../jobs/service.js";
import type { ClientWebhookSecrets } from "../webhooks/secrets.js";

/** Per-operation context: who is calling, and the services resolvers delegate to. */
export interface GraphQLContext {
  /** Opaque owner id of the caller's API key ("anonymous" when the server runs open). */
  owner: string;
  jobs: JobService;
  webhookSecrets: ClientWebhookSecrets;
}
