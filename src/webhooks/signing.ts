/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * "<id>.<timestamp>.<body>", sent as webhook-id / webhook-timestamp / webhook-signature.
 * Used for the completion door (worker → gateway) and for client callbacks.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs with each of `secrets` (one, or the current and the previous one during a rotation):
 * webhook-signature then lists `v1,<sig>` entries separated by spaces, and a receiver holding
 * any of the secrets verifies the message.
 */
export function signWebhook(secrets: string | string[], messageId: string, body: string, at = new Date()): SignedHeaders {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new Error("signWebhook: no secret");
  const signature = list.map((s) => new Webhook(s).sign(messageId, at, body)).join(" ");
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

/** Verifies signature and timestamp (5 minutes tolerance); throws WebhookVerificationError. */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string | string[] | undefined>): unknown {
  const pick = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const h = { "webhook-id": pick("webhook-id"), "webhook-timestamp": pick("webhook-timestamp"), "webhook-signature": pick("webhook-signature") };
  if (!h["webhook-id"] || !h["webhook-timestamp"] || !h["webhook-signature"]) {
    throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  return verifierFor(secret).verify(body, h as unknown as Record<string, string>);
}

// One verifier per secret (the door verifies every completion with the same one); a few
// secrets at most, so the cache is cleared rather than evicted.
const verifiers = new Map<string, Webhook>();
function verifierFor(secret: string): Webhook {
  let wh = verifiers.get(secret);
  if (!wh) {
    if (verifiers.size >= 16) verifiers.clear();
    verifiers.set(secret, (wh = new Webhook(secret)));
  }
  return wh;
}

export { WebhookVerificationError };
