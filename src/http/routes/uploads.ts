/**
 * POST /v1/uploads: the raw audio file as the request body (any supported encoding, any or
 * no Content-Type, chunked or with a length) → 201 {uploadId, bytes, format, sha256}. The
 * body is streamed to the upload store (embedded: a file in DATA_DIR/uploads; distributed:
 * 1 MiB chunks in Redis) and never held in memory; MAX_UPLOAD_BYTES is enforced as it
 * arrives (413 as soon as it is passed, nothing kept). The upload belongs to the caller's API
 * key: `submitAnalysis(input: {uploadId, ...})` or the REST body's `upload_id` analyse it;
 * for another key it does not exist. It expires after JOB_TTL_SECONDS.
 */
import { Router, type Request, type Response } from "express";
import { ErrorCode, RestErrorType, UserInputError, httpStatusFor } from "../../errors/codes.js";
import type { UploadStore } from "../../jobs/types.js";
import type { Logger } from "../../logger.js";
import { keyFromRequest, type ApiKeys } from "../auth.js";
import { rateLimit, rejectDeclaredOversize, type RateLimiter } from "../limits.js";

export const UPLOADS_PATH = "/v1/uploads";

/** After refusing a body mid-stream, read and discard at most this much of it (so the client reads the answer), then close. */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 5000;

/**
 * Answers with `Connection: close` while the client may still be sending, then drains a
 * bounded amount of the rest so the client gets to read the status instead of a broken pipe.
 */
function refuse(req: Request, res: Response, code: ErrorCode, message: string) {
  res.setHeader("connection", "close");
  res.status(httpStatusFor[code]).json({ error: { type: RestErrorType[code], message } });
  let drained = 0;
  const done = () => req.socket.destroySoon?.();
  const timer = setTimeout(done, DRAIN_MS);
  timer.unref();
  req.on("data", (d: Buffer) => {
    drained += d.length;
    if (drained > DRAIN_BYTES) (clearTimeout(timer), done());
  });
  req.once("end", () => clearTimeout(timer));
  req.resume();
}

export function uploadRoutes(deps: { uploads: UploadStore; apiKeys: ApiKeys; limiter: RateLimiter; ratePerMinute: number; maxUploadBytes: number; log: Logger }) {
  const router = Router();
  const limitAll = rateLimit({ limiter: deps.limiter, apiKeys: deps.apiKeys, bucket: "all", limit: deps.ratePerMinute, style: "rest" });

  // The key is checked first: a wrong key gets 401 whatever the body's size, before any of it is read.
  const authenticate = (req: Request, res: Response, next: () => void) => {
    const owner = deps.apiKeys.ownerOf(keyFromRequest(req));
    if (!owner) return refuse(req, res, ErrorCode.UNAUTHENTICATED, "missing or invalid API key: pass Authorization: Bearer <key>, x-api-key or ?apikey=");
    res.locals.owner = owner;
    next();
  };

  router.post(UPLOADS_PATH, limitAll, authenticate, rejectDeclaredOversize(deps.maxUploadBytes, "rest"), async (req, res) => {
    const owner = res.locals.owner as string;
    try {
      // destroyOnReturn: false — stopping early (over the limit) must not reset the socket before the 413 is sent
      const body = req.iterator({ destroyOnReturn: false });
      const up = await deps.uploads.put(owner, body, deps.maxUploadBytes);
      deps.log.info({ uploadId: up.uploadId, owner, bytes: up.bytes, format: up.format }, "upload stored");
      res.status(201).json({ uploadId: up.uploadId, bytes: up.bytes, format: up.format, sha256: up.sha256 });
    } catch (err) {
      if (err instanceof UserInputError) return refuse(req, res, err.code, err.message);
      if (req.destroyed || (err as NodeJS.ErrnoException).code === "ECONNRESET" || (err as Error).message === "aborted") return; // the client went away
      throw err;
    }
  });
  return router;
}
