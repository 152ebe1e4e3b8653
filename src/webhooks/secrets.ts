/**
 * Which secrets sign a client's callbacks. An operator-configured secret wins: the API key's
 * own (`API_KEYS` entry `key:whsec_...`), else CLIENT_WEBHOOK_SECRET. Without one, every
 * owner (each API key, and "anonymous" in open mode) has a derived secret, so `webhook=`
 * works with zero configuration:
 *
 *   secret(owner, g) = whsec_ base64( HMAC-SHA256(master, owner ‖ 0x00 ‖ g) )
 *
 * where `master` is 32 random bytes made once and kept (SigningKeyStore: a file under
 * DATA_DIR, or Redis) and `g` is the owner's generation, bumped by a rotation. During the
 * grace period after a rotation, callbacks carry signatures with both secrets. Secrets are
 * computed when needed and never stored with jobs, sent to Redis or logged.
 */
import { createHmac } from "node:crypto";
import type { ClientWebhookConfig } from "../config/index.js";
import { ErrorCode, UserInputError } from "../errors/codes.js";
import { ApiKeys } from "../http/auth.js";

/** An owner's place in its secret history: the current generation, and the previous one while it is still honoured. */
export interface OwnerKeyState {
  generation: number;
  previous?: { generation: number; untilMs: number };
}

/** Where the master secret and the generations live (FileSigningKeyStore, RedisSigningKeyStore). */
export interface SigningKeyStore {
  /** The master secret: made on first use, then the same forever (and for every replica). */
  master(): Promise<Buffer>;
  state(owner: string): Promise<OwnerKeyState>;
  /** Moves `owner` to the next generation; the current one stays valid until `untilMs`. */
  rotate(owner: string, untilMs: number): Promise<OwnerKeyState>;
}

export const MASTER_SECRET_BYTES = 32;

export function deriveSecret(master: Buffer, owner: string, generation: number): string {
  return `whsec_${createHmac("sha256", master).update(`${owner}\u0000${generation}`).digest("base64")}`;
}

export class ClientWebhookSecrets {
  private byOwner = new Map<string, string>();

  constructor(
    private readonly config: Pick<ClientWebhookConfig, "secretsByKey" | "defaultSecret" | "rotationGraceSeconds">,
    private readonly store: SigningKeyStore,
  ) {
    for (const [key, secret] of Object.entries(config.secretsByKey)) {
      const owner = new ApiKeys([key]).ownerOf(key);
      if (owner) this.byOwner.set(owner, secret);
    }
  }

  /** The operator's secret for `owner`, when one is configured. */
  private configured(owner: string): string | undefined {
    return this.byOwner.get(owner) ?? this.config.defaultSecret;
  }

  /** The secret a receiver of `owner`'s callbacks verifies with (what `webhookSigningSecret` returns). */
  async current(owner: string): Promise<string> {
    const fixed = this.configured(owner);
    if (fixed) return fixed;
    const [master, state] = await Promise.all([this.store.master(), this.store.state(owner)]);
    return deriveSecret(master, owner, state.generation);
  }

  /** Every secret a callback of `owner` is signed with now: the current one, then the previous one during its grace. */
  async signingSecrets(owner: string, now = Date.now()): Promise<string[]> {
    const fixed = this.configured(owner);
    if (fixed) return [fixed];
    const [master, state] = await Promise.all([this.store.master(), this.store.state(owner)]);
    const secrets = [deriveSecret(master, owner, state.generation)];
    if (state.previous && state.previous.untilMs > now) secrets.push(deriveSecret(master, owner, state.previous.generation));
    return secrets;
  }

  /** Gives `owner` a new secret and returns it; the old one keeps signing for the grace period. */
  async rotate(owner: string, now = Date.now()): Promise<string> {
    if (this.configured(owner)) {
      throw new UserInputError(
        "this API key's webhook signing secret is set by the operator (API_KEYS key:whsec_... or CLIENT_WEBHOOK_SECRET); ask them to change it",
        undefined,
        ErrorCode.FORBIDDEN,
      );
    }
    const state = await this.store.rotate(owner, now + this.config.rotationGraceSeconds * 1000);
    return deriveSecret(await this.store.master(), owner, state.generation);
  }
}
