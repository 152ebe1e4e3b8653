/**
 * Posts a result to the completion door (the gateway's POST /webhooks/analysis), signed,
 * exactly as a remote DeepAffects-compatible backend would. The webhook-id is stable per
 * job, so a repeat after a crash is recognised as a duplicate (409) rather than applied twice.
 */
import type { DeepAffectsResponse } from "../analysis/types.js";
import type { JobError } from "../jobs/types.js";
import { signWebhook } from "../webhooks/signing.js";

export type CompletionBody = { request_id: string; response: DeepAffectsResponse } | { request_id: string; error: JobError };

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

export async function deliverCompletion(
  target: { url: string; secret: string },
  body: CompletionBody,
  opts: { attempts?: number; baseDelayMs?: number } = {},
): Promise<void> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseDelayMs ?? 250;
  const payload = JSON.stringify(body);
  const messageId = `msg_${body.request_id}`;
  let lastError = "";
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, base * 2 ** (i - 1)));
    try {
      const res = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...signWebhook(target.secret, messageId, payload) },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok || res.status === 409) return; // 409: this delivery was applied already
      lastError = `HTTP ${res.status}`;
      if (!RETRYABLE(res.status)) break;
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  throw new Error(`completion for ${body.request_id} not accepted by ${target.url}: ${lastError}`);
}
