/**
 * One attempt to deliver a client callback: a signed POST through the SSRF-guarded
 * outbound client. The outcome says whether trying again can help: network errors,
 * timeouts, 408, 429 and 5xx can; other 4xx, refused addresses and redirects cannot.
 */
import { OutboundError, outboundRequest, type OutboundPolicy } from "../http/outbound.js";
import { signWebhook } from "./signing.js";

export type AttemptOutcome = { ok: true; status: number } | { ok: false; retryable: boolean; error: string };

const RETRYABLE_STATUS = (s: number) => s === 408 || s === 429 || s >= 500;

export async function attemptDelivery(
  policy: OutboundPolicy,
  target: { url: string; secrets: string[]; deliveryId: string },
  body: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  try {
    const res = await outboundRequest(policy, target.url, {
      method: "POST",
      // A fresh timestamp per attempt (receivers reject old ones), the same id every time.
      headers: { "content-type": "application/json", ...signWebhook(target.secrets, target.deliveryId, body) },
      body,
      timeoutMs,
      maxBytes: 1024 * 1024,
      truncateAt: 200,
      maxRedirects: 3,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const excerpt = res.body.toString("utf8").replace(/\s+/g, " ").trim().slice(0, 120);
    return { ok: false, retryable: RETRYABLE_STATUS(res.status), error: `HTTP ${res.status}${excerpt ? `: ${excerpt}` : ""}` };
  } catch (err) {
    if (err instanceof OutboundError) return { ok: false, retryable: err.retryable, error: err.message };
    return { ok: false, retryable: true, error: (err as Error).message };
  }
}

/** Delay before attempt `attempt + 1`: base × 2^(attempt-1), the same curve BullMQ's exponential backoff uses. */
export const backoffMs = (attempt: number, baseMs: number) => baseMs * 2 ** (attempt - 1);
