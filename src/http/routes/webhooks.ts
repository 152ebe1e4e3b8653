/**
 * The completion door: POST /webhooks/analysis. Every result, from our own workers or a
 * remote DeepAffects-compatible backend, enters here, signed with WEBHOOK_SECRET.
 *
 * 401 bad/missing signature or stale timestamp · 409 replayed webhook-id (already applied;
 * senders treat it as delivered) · 400 malformed body · 404 unknown request · 413 body over
 * the limit · 503 when the result could not be stored or published (the sender retries) ·
 * 200 applied.
 *
 * It is a plain node:http handler ahead of Express (server.ts): it is the hot path of the
 * distributed mode, and needs none of the middleware (no API key: the signature is the
 * authentication; no rate limit: only our workers and backends hold the secret).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DeepAffectsResponse } from "../../analysis/types.js";
import { ErrorCode, RestErrorType } from "../../errors/codes.js";
import { parseCompletionBody } from "../../jobs/completion-schema.js";
import type { JobService } from "../../jobs/service.js";
import type { JobStore } from "../../jobs/types.js";
import type { Logger } from "../../logger.js";
import { verifyWebhook, WebhookVerificationError } from "../../webhooks/signing.js";
import { requestIdFor } from "../request-id.js";

export const COMPLETION_PATH = "/webhooks/analysis";

/** How long a processed webhook-id is remembered (longer than the timestamp tolerance). */
const REPLAY_WINDOW_SECONDS = 15 * 60;

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    "x-request-id": requestIdFor(req.headers["x-request-id"]),
    ...headers,
  });
  res.end(json);
}
const fail = (type: string, message: string) => ({ error: { type, message } });

export function completionDoor(deps: { jobs: JobService; store: JobStore; secret: string; log: Logger; maxBodyBytes: number }) {
  const tooLarge = (req: IncomingMessage, res: ServerResponse, bytes: number) => {
    send(req, res, 413, fail(RestErrorType[ErrorCode.PAYLOAD_TOO_LARGE], `request body of ${bytes} bytes is larger than the limit of ${deps.maxBodyBytes} bytes`), { connection: "close" });
    res.once("finish", () => req.socket.destroySoon?.());
  };

  async function apply(req: IncomingMessage, res: ServerResponse, raw: string) {
    let payload: unknown;
    try {
      payload = verifyWebhook(deps.secret, raw, req.headers);
    } catch (err) {
      const message = err instanceof WebhookVerificationError ? err.message : "signature verification failed";
      return send(req, res, 401, fail("invalid_signature", message));
    }
    const parsed = parseCompletionBody(payload);
    if (!parsed.ok) return send(req, res, 400, fail("params_invalid", parsed.message));
    const messageId = String(req.headers["webhook-id"]);
    const body = parsed.body;
    try {
      const out = await deps.jobs.complete(
        body.request_id,
        "response" in body ? { response: body.response as DeepAffectsResponse } : { error: body.error },
        { messageId, ttlSeconds: REPLAY_WINDOW_SECONDS },
      );
      if (out.kind === "replayed") return send(req, res, 409, fail("replay", `webhook-id ${messageId} was already processed`));
      if (out.kind === "missing") return send(req, res, 404, fail("not_found", `no analysis ${body.request_id}`));
      send(req, res, 200, { request_id: body.request_id, status: out.status, duplicate: out.kind === "alreadyFinal" });
    } catch (err) {
      deps.log.error({ err, requestId: body.request_id }, "completion could not be stored or published");
      await deps.store.forgetDelivery(messageId).catch(() => undefined);
      send(req, res, 503, fail("unavailable", "could not store or publish the result; retry"));
    }
  }

  return {
    matches: (req: IncomingMessage) => req.method === "POST" && (req.url === COMPLETION_PATH || req.url?.startsWith(`${COMPLETION_PATH}?`) === true),
    handle(req: IncomingMessage, res: ServerResponse) {
      // A declared length over the limit is refused before reading anything.
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > deps.maxBodyBytes) return tooLarge(req, res, declared);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        if (size > deps.maxBodyBytes) return;
        size += c.length;
        if (size > deps.maxBodyBytes) tooLarge(req, res, size); // a chunked body grew too large
        else chunks.push(c);
      });
      req.on("end", () => {
        if (size > deps.maxBodyBytes) return;
        apply(req, res, Buffer.concat(chunks, size).toString("utf8")).catch((err) => {
          deps.log.error({ err }, "completion door failed");
          if (!res.headersSent) send(req, res, 500, fail("internal_error", "internal server error"));
        });
      });
      req.on("error", () => undefined); // the client went away; nothing to answer
    },
  };
}
