/**
 * Limits that keep one caller from exhausting the service: per-key rate limits (shared by
 * every replica through Redis, with a per-process fallback when Redis is unreachable),
 * body sizes (refused so the client can read the refusal), GraphQL depth and complexity,
 * and WebSocket connection / subscription counts.
 */
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FragmentDefinitionNode,
} from "graphql";
import { getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import type { Redis } from "ioredis";
import { ErrorCode, RestErrorType } from "../errors/codes.js";
import type { ApiKeys } from "./auth.js";
import { keyFromRequest } from "./auth.js";

// --------------------------------------------------------------------------- early refusals

/** How much of an unread body is read (and discarded) before a refusal is sent. */
export const REFUSAL_DRAIN = { maxBytes: 8 * 1024 * 1024, maxMs: 10_000 };

/**
 * Sends a refusal (401, 413, 429, …) to a request whose body has not been (fully) read.
 * Many clients (Python's requests, for one) send the whole body before they read the
 * answer; answering and closing at once resets the connection under them, and they report
 * "Broken pipe" instead of the status. So the answer is written at once (a client reading
 * while it sends sees it), the rest of the body is read and discarded up to REFUSAL_DRAIN
 * (bytes or time), and only then does the response end and, `Connection: close`, the
 * connection close.
 */
export function refuse(req: IncomingMessage, res: Response, status: number, body: unknown, bounds = REFUSAL_DRAIN): void {
  if (res.headersSent || res.writableEnded) return;
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("connection", "close");
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", String(Buffer.byteLength(json)));
  if (req.complete || req.readableEnded || req.destroyed) return void res.end(json);
  res.write(json); // the whole answer (Content-Length): ending the response is what closes the connection
  let seen = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off("data", onData);
    res.end();
  };
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > bounds.maxBytes) finish();
  };
  const timer = setTimeout(finish, bounds.maxMs);
  timer.unref();
  req.on("data", onData);
  req.once("end", finish);
  req.once("error", finish);
  req.once("close", finish);
  req.resume();
}

/** A refusal in the REST (`{error: {type, message}}`) or GraphQL (`{errors: [...]}`) style. */
export function refusal(style: "rest" | "graphql", code: ErrorCode, message: string) {
  return style === "graphql" ? { errors: [{ message, extensions: { code } }] } : { error: { type: RestErrorType[code], message } };
}

// ------------------------------------------------------------------------------ rate limits

export interface RateDecision {
  allowed: boolean;
  /** Hits counted in the current window, including this one. */
  count: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts `cost` hits for `subject` in `bucket` and says whether they stay within `limit` per minute. */
  hit(bucket: string, subject: string, limit: number, cost?: number): Promise<RateDecision>;
}

const WINDOW_MS = 60_000;

/** Fixed one-minute windows in process memory (embedded mode, and the fallback). */
export class MemoryRateLimiter implements RateLimiter {
  private counts = new Map<string, { window: number; count: number }>();

  async hit(bucket: string, subject: string, limit: number, cost = 1): Promise<RateDecision> {
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const key = `${bucket}:${subject}`;
    let e = this.counts.get(key);
    if (!e || e.window !== window) {
      e = { window, count: 0 };
      this.counts.set(key, e);
      if (this.counts.size > 100_000) this.sweep(window);
    }
    e.count += cost;
    return { allowed: e.count <= limit, count: e.count, retryAfterSeconds: Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
  }

  private sweep(window: number) {
    for (const [k, e] of this.counts) if (e.window !== window) this.counts.delete(k);
  }
}

const HIT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`;

/**
 * Fixed one-minute windows in Redis, so the limit holds across replicas. Give it a client
 * with `enableOfflineQueue: false`: while Redis is down a check fails at once and the
 * per-process limiter answers instead (limits stay on, per replica, rather than the API
 * stalling or opening up).
 */
export class RedisRateLimiter implements RateLimiter {
  private fallback = new MemoryRateLimiter();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(bucket: string, subject: string, limit: number, cost = 1): Promise<RateDecision> {
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    try {
      const count = Number(await this.redis.eval(HIT, 1, `${this.prefix}:ratelimit:${bucket}:${subject}:${window}`, String(cost), String(WINDOW_MS + 1000)));
      return { allowed: count <= limit, count, retryAfterSeconds: Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
    } catch {
      return this.fallback.hit(bucket, subject, limit, cost);
    }
  }
}

/** Who a request counts against: its API key's owner, or its address when the key is missing or wrong. */
export function rateSubject(req: IncomingMessage, apiKeys: ApiKeys): string {
  return apiKeys.ownerOf(keyFromRequest(req)) ?? `ip:${req.socket.remoteAddress ?? "unknown"}`;
}

/** How many submissions a GraphQL request carries (aliases can put several in one). */
export function countSubmissions(body: unknown): number {
  const query = body && typeof body === "object" && typeof (body as { query?: unknown }).query === "string" ? (body as { query: string }).query : "";
  return (query.match(/\bsubmitAnalysis\b/g) ?? []).length;
}

/**
 * Express middleware: 429 when the caller is over `limit` per minute. `cost` counts a request
 * as several hits (or none); `style` picks the error body (REST `{error}` or GraphQL `{errors}`).
 */
export function rateLimit(opts: {
  limiter: RateLimiter;
  apiKeys: ApiKeys;
  bucket: string;
  limit: number;
  cost?: (req: Request) => number;
  style: "rest" | "graphql";
}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (opts.limit <= 0) return next();
    const cost = opts.cost ? opts.cost(req) : 1;
    if (cost <= 0) return next();
    const d = await opts.limiter.hit(opts.bucket, rateSubject(req, opts.apiKeys), opts.limit, cost);
    res.setHeader("ratelimit-limit", String(opts.limit));
    res.setHeader("ratelimit-remaining", String(Math.max(0, opts.limit - d.count)));
    if (d.allowed) return next();
    res.setHeader("retry-after", String(d.retryAfterSeconds));
    const message = `rate limit exceeded: at most ${opts.limit} ${opts.bucket === "submit" ? "submissions" : "requests"} per minute for this API key; retry in ${d.retryAfterSeconds} s`;
    refuse(req, res, 429, refusal(opts.style, ErrorCode.RATE_LIMITED, message));
  };
}

/**
 * 413 for a body whose declared Content-Length is over `limit`, before reading it. Express's
 * body parser would answer 413 too, but only after reading (and discarding) the whole
 * declared body, so a client could hold a connection by announcing gigabytes: here at most
 * REFUSAL_DRAIN is read. A chunked body without a length is cut by the parser at the limit
 * (its error handlers answer through `refuse` too).
 */
export function rejectDeclaredOversize(limit: number, style: "rest" | "graphql") {
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (!(declared > limit)) return next();
    refuse(req, res, 413, refusal(style, ErrorCode.PAYLOAD_TOO_LARGE, `request body of ${declared} bytes is larger than the limit of ${limit} bytes`));
  };
}

/**
 * Reads a JSON body sent without a Content-Length (chunked), cutting it at `limit`: over the
 * limit, 413 goes out at once (after REFUSAL_DRAIN) and the connection closes. Express's
 * parser would read such a body to its end before answering 413, however long it is, so
 * only Node's request timeout stopped it. Bodies with a Content-Length are left to the
 * parser (rejectDeclaredOversize caps those). `strict`: only objects and arrays, as
 * express.json; `anyType`: parse whatever the Content-Type (REST clients send none).
 */
export function cutChunkedJson(limit: number, style: "rest" | "graphql", opts: { strict: boolean; anyType: boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers["content-length"] !== undefined || !req.headers["transfer-encoding"]) return next();
    if (!opts.anyType && !/^application\/([\w.+-]*\+)?json\b/i.test(req.headers["content-type"] ?? "")) return next();
    if ((req.headers["content-encoding"] ?? "identity").toLowerCase() !== "identity") return next(); // compressed: the parser inflates
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      req.off("end", onEnd);
      chunks.length = 0;
      refuse(req, res, 413, refusal(style, ErrorCode.PAYLOAD_TOO_LARGE, `request body larger than the limit of ${limit} bytes`));
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      (req as Request & { _body?: boolean })._body = true; // express.json: already parsed
      if (text.trim() === "") return next(); // no body, as the parser treats it
      try {
        const parsed: unknown = JSON.parse(text);
        if (opts.strict && (parsed === null || typeof parsed !== "object")) throw new SyntaxError("not an object or array");
        req.body = parsed;
      } catch {
        return next(Object.assign(new Error("request body is not valid JSON"), { status: 400, type: "entity.parse.failed" }));
      }
      next();
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", (err) => next(err));
  };
}

// ------------------------------------------------------------------------- GraphQL limits

/** The deepest field nesting of any operation in `doc`, following fragments. */
export function queryDepth(doc: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) max = Math.max(max, s.selectionSet ? 1 + depthOf(s.selectionSet, seen) : 1);
      else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet, seen));
      else {
        const f = fragments.get(s.name.value);
        if (!f || seen.has(f.name.value)) continue; // unknown or cyclic: validation reports it
        max = Math.max(max, depthOf(f.selectionSet, new Set(seen).add(f.name.value)));
      }
    }
    return max;
  };
  return Math.max(0, ...doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION).map((op) => depthOf(op.selectionSet, new Set())));
}

/** A list field with a `first` argument costs its children once per requested item. */
const paginationEstimator: ComplexityEstimator = ({ args, childComplexity }) =>
  typeof args.first === "number" ? 1 + childComplexity * Math.max(1, args.first) : undefined;

const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } } });

/**
 * Checks an operation against the depth and complexity limits; returns the error to send,
 * or undefined. Runs after parsing, before execution, for HTTP and WebSocket alike.
 */
export function checkQueryLimits(
  schema: GraphQLSchema,
  doc: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  limits: { maxQueryDepth: number; maxQueryComplexity: number },
): GraphQLError | undefined {
  const depth = queryDepth(doc);
  if (depth > limits.maxQueryDepth) return tooComplex(`query depth ${depth} exceeds the limit of ${limits.maxQueryDepth}`);
  let complexity: number;
  try {
    complexity = getComplexity({
      schema,
      query: doc,
      variables: variables ?? {},
      operationName,
      estimators: [paginationEstimator, simpleEstimator({ defaultComplexity: 1 })],
      maxQueryNodes: 20_000,
    });
  } catch (err) {
    // bad variables or an unknown operation: let normal validation explain it; too many
    // nodes: refuse here
    const message = (err as Error).message;
    if (/node/i.test(message) && /limit|exceed|maximum/i.test(message)) return tooComplex(`query is too large: ${message}`);
    return undefined;
  }
  if (complexity > limits.maxQueryComplexity) {
    return tooComplex(`query complexity ${complexity} exceeds the limit of ${limits.maxQueryComplexity}; ask for fewer fields or fewer items`);
  }
  return undefined;
}

/**
 * Nesting of `{` in a query string, counted before parsing: graphql-js parses recursively,
 * so a query nested thousands deep is refused before it reaches the parser.
 */
export function braceDepth(query: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c === 34 /* " */ && query.charCodeAt(i - 1) !== 92 /* \ */) inString = !inString;
    else if (inString) continue;
    else if (c === 123 /* { */ || c === 40 /* ( */ || c === 91 /* [ */) max = Math.max(max, ++depth);
    else if (c === 125 || c === 41 || c === 93) depth--;
  }
  return max;
}

// ----------------------------------------------------------------------- WebSocket limits

/** Counts open graphql-ws connections, in total and per key, in this process. */
export class ConnectionLimiter {
  private total = 0;
  private perOwner = new Map<string, number>();

  constructor(private readonly limits: { maxWsConnections: number; maxWsConnectionsPerKey: number; maxSubscriptionsPerConnection: number }) {}

  get maxSubscriptions() {
    return this.limits.maxSubscriptionsPerConnection;
  }

  /** Takes a connection slot; returns false when the process is full. Pair with `release`. */
  open(): boolean {
    if (this.total >= this.limits.maxWsConnections) return false;
    this.total++;
    return true;
  }

  release() {
    this.total = Math.max(0, this.total - 1);
  }

  /** Takes a slot for `owner`; returns false when the key has too many connections. Pair with `leave`. */
  join(owner: string): boolean {
    const n = this.perOwner.get(owner) ?? 0;
    if (n >= this.limits.maxWsConnectionsPerKey) return false;
    this.perOwner.set(owner, n + 1);
    return true;
  }

  leave(owner: string) {
    const n = (this.perOwner.get(owner) ?? 1) - 1;
    if (n <= 0) this.perOwner.delete(owner);
    else this.perOwner.set(owner, n);
  }
}
