/**
 * Limits that keep one caller from exhausting the service: per-key rate limits (shared by
 * every replica through Redis, with a per-process fallback when Redis is unreachable),
 * GraphQL depth and complexity, and WebSocket connection / subscription counts.
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
    if (opts.style === "graphql") res.status(429).json({ errors: [{ message, extensions: { code: ErrorCode.RATE_LIMITED } }] });
    else res.status(429).json({ error: { type: RestErrorType.RATE_LIMITED, message } });
  };
}

/**
 * 413 at once for a body whose declared Content-Length is over `limit`. Express's body
 * parser would answer 413 too, but only after reading (and discarding) the whole declared
 * body, so a client could hold a connection by announcing gigabytes. The socket is closed
 * after the answer. (A chunked body without a length is cut by the parser's own limit; the
 * server's requestTimeout bounds how long it may dribble.)
 */
export function rejectDeclaredOversize(limit: number, style: "rest" | "graphql") {
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (!(declared > limit)) return next();
    const message = `request body of ${declared} bytes is larger than the limit of ${limit} bytes`;
    res.setHeader("connection", "close");
    if (style === "graphql") res.status(413).json({ errors: [{ message, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE } }] });
    else res.status(413).json({ error: { type: RestErrorType.PAYLOAD_TOO_LARGE, message } });
    res.once("finish", () => req.socket.destroySoon?.());
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
