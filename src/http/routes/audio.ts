/**
 * GET /v1/analyses/:requestId/audio — a job's submitted audio, to its owner, while the job is
 * kept (the audio expires with the job). Same keys and ownership as every other read: another
 * key's job is a 404, like a missing one. Raw PCM/G.711 comes back wrapped in a WAV so a
 * browser can play it; single byte ranges are served (206) so players can seek.
 *
 * Errors: 401 unauthorized, 404 not_found (unknown job, or its audio is not kept: submitted by
 * URL), 416 for a range outside the audio, 429 over the rate limit.
 *
 * Containers served as submitted are streamed from where the store keeps them
 * (store.openAudio: the file in embedded mode, a spooled copy of an upload in distributed
 * mode), so a 4-hour recording is never read into memory to be played; only raw input that
 * needs a WAV wrapper (small: it came as base64 content) is built in memory.
 */
import { createReadStream, statSync } from "node:fs";
import { Router, type Request, type Response } from "express";
import { CONTENT_TYPES, needsWavWrapper, playableAudio } from "../../analysis/audio/playable.js";
import { ErrorCode, RestErrorType, httpStatusFor } from "../../errors/codes.js";
import type { JobService } from "../../jobs/service.js";
import type { JobStore } from "../../jobs/types.js";
import { keyFromRequest, type ApiKeys } from "../auth.js";
import { rateLimit, type RateLimiter } from "../limits.js";

export const AUDIO_PATH = "/v1/analyses/:requestId/audio";

const restError = (res: Response, code: ErrorCode, message: string) =>
  void res.status(httpStatusFor[code]).json({ error: { type: RestErrorType[code], message } });

export function audioRoutes(deps: { jobs: JobService; store: JobStore; apiKeys: ApiKeys; limiter: RateLimiter; ratePerMinute: number }) {
  const router = Router();
  const limitAll = rateLimit({ limiter: deps.limiter, apiKeys: deps.apiKeys, bucket: "all", limit: deps.ratePerMinute, style: "rest" });

  router.get(AUDIO_PATH, limitAll, async (req, res) => {
    const owner = deps.apiKeys.ownerOf(keyFromRequest(req));
    if (!owner) return restError(res, ErrorCode.UNAUTHENTICATED, "missing or invalid API key: send Authorization: Bearer <key> or x-api-key");
    const requestId = String(req.params.requestId);
    const job = await deps.jobs.get(owner, requestId);
    if (!job) return restError(res, ErrorCode.NOT_FOUND, `requestId: no analysis "${requestId}" for this API key`);
    const gone = "the audio of this analysis is not kept: it was submitted by URL, or it has expired";
    if (needsWavWrapper(job.options.encoding)) {
      const stored = await deps.store.getAudio(requestId);
      if (!stored) return restError(res, ErrorCode.NOT_FOUND, gone);
      const { contentType, body } = playableAudio(stored, job.options);
      return sendRanges(req, res, contentType, body.length, (start, end) => void res.end(body.subarray(start, end + 1)));
    }
    const opened = await deps.store.openAudio(requestId);
    if (!opened) return restError(res, ErrorCode.NOT_FOUND, gone);
    let released = false;
    const release = () => {
      if (!released) void opened.release().catch(() => undefined);
      released = true;
    };
    res.on("close", release);
    if ("data" in opened) {
      const body = opened.data;
      return sendRanges(req, res, CONTENT_TYPES[job.options.encoding], body.length, (start, end) => void res.end(body.subarray(start, end + 1)));
    }
    let size: number;
    try {
      size = statSync(opened.path).size;
    } catch {
      release();
      return restError(res, ErrorCode.NOT_FOUND, gone);
    }
    sendRanges(req, res, CONTENT_TYPES[job.options.encoding], size, (start, end) => {
      if (end < start) return void res.end(); // empty file
      const file = createReadStream(opened.path, { start, end });
      file.on("error", () => res.destroy());
      file.pipe(res);
    });
  });
  return router;
}

/**
 * Headers, then the whole body (200) or one byte range (206); 416 for a range outside it. A
 * malformed Range header, or several ranges, get the whole body (RFC 9110 allows both).
 * `send(start, end)` writes bytes [start, end] (inclusive) and ends the response.
 */
function sendRanges(req: Request, res: Response, contentType: string, size: number, send: (start: number, end: number) => void): void {
  res.setHeader("content-type", contentType);
  res.setHeader("accept-ranges", "bytes");
  // Private data: never in a shared cache; the browser may keep it for the page's life.
  res.setHeader("cache-control", "private, no-store");
  res.setHeader("content-disposition", "inline");
  const ranges = req.headers.range ? req.range(size, { combine: true }) : undefined;
  if (ranges === -1) {
    res.setHeader("content-range", `bytes */${size}`);
    return void res.status(416).json({ error: { type: RestErrorType.BAD_USER_INPUT, message: `range: outside the audio's ${size} bytes` } });
  }
  if (ranges === undefined || ranges === -2 || ranges.type !== "bytes" || ranges.length !== 1) {
    res.setHeader("content-length", String(size));
    res.status(200);
    return send(0, size - 1);
  }
  const { start, end } = ranges[0]!;
  res.setHeader("content-range", `bytes ${start}-${end}/${size}`);
  res.setHeader("content-length", String(end - start + 1));
  res.status(206);
  send(start, end);
}
