/**
 * The completion door: POST /webhooks/analysis. Every result, from our own workers or a
 * remote DeepAffects-compatible backend, enters here, signed with WEBHOOK_SECRET.
 *
 * 401 bad/missing signature or stale timestamp · 409 replayed webhook-id (already applied;
 * senders treat it as delivered) · 400 malformed body · 404 unknown request · 503 when the
 * result could not be stored or published (the sender retries) · 200 applied.
 */
import express, { Router } from "express";
import type { DeepAffectsResponse } from "../../analysis/types.js";
import { parseCompletionBody } from "../../jobs/completion-schema.js";
import type { JobService } from "../../jobs/service.js";
import type { JobStore } from "../../jobs/types.js";
import type { Logger } from "../../logger.js";
import { verifyWebhook, WebhookVerificationError } from "../../webhooks/signing.js";

/** How long a processed webhook-id is remembered (longer than the timestamp tolerance). */
const REPLAY_WINDOW_SECONDS = 15 * 60;

export function webhookRoutes(deps: { jobs: JobService; store: JobStore; secret: string; log: Logger; maxBodyBytes: number }) {
  const router = Router();
  router.post("/webhooks/analysis", express.raw({ type: () => true, limit: deps.maxBodyBytes }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    let payload: unknown;
    try {
      payload = verifyWebhook(deps.secret, raw, req.headers);
    } catch (err) {
      const message = err instanceof WebhookVerificationError ? err.message : "signature verification failed";
      return void res.status(401).json({ error: { type: "invalid_signature", message } });
    }
    const parsed = parseCompletionBody(payload);
    if (!parsed.ok) return void res.status(400).json({ error: { type: "params_invalid", message: parsed.message } });
    const messageId = String(req.headers["webhook-id"]);
    if (!(await deps.store.markDelivery(messageId, REPLAY_WINDOW_SECONDS).catch(() => true))) {
      return void res.status(409).json({ error: { type: "replay", message: `webhook-id ${messageId} was already processed` } });
    }
    const body = parsed.body;
    try {
      const out = await deps.jobs.complete(
        body.request_id,
        "response" in body ? { response: body.response as DeepAffectsResponse } : { error: body.error },
      );
      if (!out.found) {
        await deps.store.forgetDelivery(messageId).catch(() => undefined);
        return void res.status(404).json({ error: { type: "not_found", message: `no analysis ${body.request_id}` } });
      }
      res.status(200).json({ request_id: body.request_id, status: out.job.status, duplicate: out.alreadyFinal });
    } catch (err) {
      deps.log.error({ err, requestId: body.request_id }, "completion could not be stored or published");
      await deps.store.forgetDelivery(messageId).catch(() => undefined);
      res.status(503).json({ error: { type: "unavailable", message: "could not store or publish the result; retry" } });
    }
  });
  return router;
}
