/**
 * The DeepAffects-compatible REST contract, so existing DeepAffects clients only change the
 * hostname:
 *
 *   POST /audio/generic/api/v1/async/analytics/interaction?apikey=&webhook=&request_id=
 *        body {content | url, encoding, sampleRate, languageCode, metrics, speakers,
 *              separateSpeakerPerChannel}            → 202 {request_id, api}
 *   GET  /transaction/generic/api/v1/async/status?request_id=
 *        → {request_id, api, status: Running | Completed | Failed, response? | error?}
 *
 * Thin: authentication, body shape, then the same JobService as GraphQL (so a REST job is
 * visible through GraphQL to the same key, and vice versa). Errors are
 * `{error: {type, message}}`: 400 params_invalid, 401 unauthorized, 404 not_found,
 * 413 payload_too_large, 429 rate_limited.
 */
import express, { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { ErrorCode, RestErrorType, UserInputError, httpStatusFor } from "../../errors/codes.js";
import type { JobService } from "../../jobs/service.js";
import type { JobRecord } from "../../jobs/types.js";
import type { Logger } from "../../logger.js";
import { toDeepAffectsResponse } from "../../webhooks/payload.js";
import { keyFromRequest, type ApiKeys } from "../auth.js";
import { cutChunkedJson, rateLimit, refusal, refuse, rejectDeclaredOversize, type RateLimiter } from "../limits.js";

export const SUBMIT_PATH = "/audio/generic/api/v1/async/analytics/interaction";
export const STATUS_PATH = "/transaction/generic/api/v1/async/status";

/** DeepAffects `audioType` values; accepted for compatibility, not used by the analysis. */
const AUDIO_TYPES = ["callcenter", "meeting", "earningscalls", "interview", "media-broadcast"] as const;

// Types only; the meaning of each value (ranges, base64, URL rules) is checked by
// validateSubmission, shared with GraphQL. Unknown fields are refused, so a typo
// ("sample_rate") is an error rather than a silently ignored option.
const Body = z
  .object({
    content: z.string().nullish(),
    url: z.string().nullish(),
    /** Ours: an upload of the same key (POST /v1/uploads) instead of content or url. */
    upload_id: z.string().nullish(),
    encoding: z.string().nullish(),
    // DeepAffects' SDK types it as a string ("8000"); validateSubmission accepts digits
    sampleRate: z.union([z.number(), z.string()], { errorMap: () => ({ message: "must be an integer (a number or a string of digits)" }) }).nullish(),
    languageCode: z.string().nullish(),
    metrics: z.array(z.string()).nullish(),
    speakers: z.number().nullish(),
    separateSpeakerPerChannel: z.boolean().nullish(),
    audioType: z.enum(AUDIO_TYPES).nullish(),
    doVad: z.boolean().nullish(),
  })
  .strict();
const ACCEPTED = Object.keys(Body.shape).join(", ");

function bodyProblem(err: z.ZodError): string {
  const issue = err.issues[0]!;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    return `${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: unknown field${issue.keys.length > 1 ? "s" : ""}; accepted fields are ${ACCEPTED}`;
  }
  if (issue.code === z.ZodIssueCode.invalid_type && issue.path.length === 0) return `body: must be a JSON object, got ${issue.received}`;
  return `${issue.path.join(".")}: ${issue.message}`;
}

const restError = (res: Response, code: ErrorCode, message: string, requestId?: string) =>
  void res.status(httpStatusFor[code]).json({ ...(requestId ? { request_id: requestId } : {}), error: { type: RestErrorType[code], message } });

/** DeepAffects status names; a queued job is reported as Running (DeepAffects has no Queued). */
const STATUS_NAME = { QUEUED: "Running", RUNNING: "Running", COMPLETED: "Completed", FAILED: "Failed" } as const;

export function statusBody(job: JobRecord) {
  return {
    request_id: job.requestId,
    api: job.api,
    status: STATUS_NAME[job.status],
    ...(job.status === "COMPLETED" && job.result ? { response: toDeepAffectsResponse(job.result) } : {}),
    ...(job.status === "FAILED" && job.error ? { error: job.error } : {}),
  };
}

export function deepAffectsRoutes(deps: {
  jobs: JobService;
  apiKeys: ApiKeys;
  limiter: RateLimiter;
  ratePerMinute: number;
  submitsPerMinute: number;
  maxBodyBytes: number;
  log: Logger;
}) {
  const router = Router();

  /** Authenticates before anything is parsed: no body of an unknown caller is read. */
  const authenticate = (req: Request, res: Response, next: NextFunction) => {
    const owner = deps.apiKeys.ownerOf(keyFromRequest(req));
    if (!owner) return refuse(req, res, 401, refusal("rest", ErrorCode.UNAUTHENTICATED, "missing or invalid apikey: pass ?apikey=<key> (or Authorization: Bearer <key>)"));
    res.locals.owner = owner;
    next();
  };
  const limitAll = rateLimit({ limiter: deps.limiter, apiKeys: deps.apiKeys, bucket: "all", limit: deps.ratePerMinute, style: "rest" });
  const limitSubmit = rateLimit({ limiter: deps.limiter, apiKeys: deps.apiKeys, bucket: "submit", limit: deps.submitsPerMinute, style: "rest" });
  // Any content type is read as JSON: some DeepAffects clients send none.
  const json = express.json({ limit: deps.maxBodyBytes, type: () => true, strict: false });

  const chunked = cutChunkedJson(deps.maxBodyBytes, "rest", { strict: false, anyType: true });

  router.post(SUBMIT_PATH, limitAll, authenticate, limitSubmit, rejectDeclaredOversize(deps.maxBodyBytes, "rest"), chunked, json, async (req, res) => {
    const q = req.query;
    const single = (name: string) => (typeof q[name] === "string" ? (q[name] as string) : Array.isArray(q[name]) ? "" : undefined);
    const webhook = single("webhook");
    const requestId = single("request_id");
    if (!webhook) return restError(res, ErrorCode.BAD_USER_INPUT, "webhook: the query parameter webhook (the URL that receives the result) is required for async requests");
    if (requestId === "") return restError(res, ErrorCode.BAD_USER_INPUT, "request_id: give it once, as a non-empty value");
    const parsed = Body.safeParse(req.body);
    if (!parsed.success) return restError(res, ErrorCode.BAD_USER_INPUT, bodyProblem(parsed.error));
    const b = parsed.data;
    try {
      const job = await deps.jobs.submit(res.locals.owner as string, {
        content: b.content,
        url: b.url,
        uploadId: b.upload_id,
        encoding: b.encoding,
        sampleRate: b.sampleRate,
        languageCode: b.languageCode,
        metrics: b.metrics,
        speakers: b.speakers,
        separateSpeakerPerChannel: b.separateSpeakerPerChannel,
        requestId,
        webhook,
      });
      res.status(202).json({ request_id: job.requestId, api: job.api });
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      // REST names the query parameter as DeepAffects does
      restError(res, err.code, err.message.replace(/^requestId:/, "request_id:").replace(/^uploadId:/, "upload_id:"), requestId);
    }
  });

  router.get(STATUS_PATH, limitAll, authenticate, async (req, res) => {
    const requestId = typeof req.query.request_id === "string" ? req.query.request_id : "";
    if (!requestId) return restError(res, ErrorCode.BAD_USER_INPUT, "request_id: the query parameter request_id is required");
    const job = await deps.jobs.get(res.locals.owner as string, requestId);
    if (!job) return restError(res, ErrorCode.NOT_FOUND, `request_id: no request "${requestId}" for this apikey`, requestId);
    res.json(statusBody(job));
  });

  // Body parser errors of these routes, in the REST error format.
  router.use([SUBMIT_PATH, STATUS_PATH], (err: { type?: string; status?: number; message?: string }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    // the parser stopped reading at the limit: the rest of the body is still coming
    if (err.type === "entity.too.large") return refuse(req, res, 413, refusal("rest", ErrorCode.PAYLOAD_TOO_LARGE, `body: larger than the limit of ${deps.maxBodyBytes} bytes`));
    if (err.type === "entity.parse.failed") return restError(res, ErrorCode.BAD_USER_INPUT, "body: not valid JSON");
    if (err.status && err.status >= 400 && err.status < 500) return restError(res, ErrorCode.BAD_USER_INPUT, `body: ${err.message ?? "unreadable"}`);
    next(err);
  });
  return router;
}
