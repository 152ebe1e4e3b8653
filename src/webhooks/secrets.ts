/**
 * Which secret signs a client's callbacks: the API key's own (`API_KEYS` entry
 * `key:whsec_...`), else CLIENT_WEBHOOK_SECRET. Secrets are looked up by the job's owner id
 * at delivery time and never stored with the job or in Redis.
 */
import type { ClientWebhookConfig } from "../config/index.js";
import { ANONYMOUS_OWNER, ApiKeys } from "../http/auth.js";

export class ClientWebhookSecrets {
  private byOwner = new Map<string, string>();

  constructor(private readonly config: Pick<ClientWebhookConfig, "secretsByKey" | "defaultSecret">) {
    for (const [key, secret] of Object.entries(config.secretsByKey)) {
      const owner = new ApiKeys([key]).ownerOf(key);
      if (owner) this.byOwner.set(owner, secret);
    }
  }

  /** The secret for `owner`'s callbacks, or undefined when none is configured. */
  forOwner(owner: string): string | undefined {
    return this.byOwner.get(owner) ?? this.config.defaultSecret;
  }

  /** Human hint for the error when a key has no secret. */
  static howToConfigure(owner: string) {
    return owner === ANONYMOUS_OWNER ? "set CLIENT_WEBHOOK_SECRET" : "give the key a secret in API_KEYS (key:whsec_...) or set CLIENT_WEBHOOK_SECRET";
  }
}
