/**
 * Outbound HTTP with an SSRF guard: every request this service makes on a client's behalf
 * (audio `url` downloads, client webhook deliveries) goes through `outboundRequest`.
 *
 * Why each rule:
 * - A caller-supplied URL must not reach what only this machine can reach: loopback,
 *   private networks, link-local (cloud metadata at 169.254.169.254 lives there), CGNAT,
 *   multicast, unspecified and reserved ranges, IPv6 ULA / link-local / IPv4-mapped.
 * - Checking the hostname is not enough (DNS can answer anything), so the name is resolved
 *   here, *every* address is checked, and the connection is pinned to the checked address
 *   (a custom `lookup`), so a second DNS answer (DNS rebinding) cannot swap it.
 * - Redirects are followed by hand, each hop resolved and checked again.
 * - Sizes and times are capped so a slow or endless response cannot hold a worker.
 * Hosts listed in ALLOWED_OUTBOUND_HOSTS skip the address rules (e.g. an internal audio
 * store, or 127.0.0.1 in tests); everything else still applies.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { UserInputError } from "../errors/codes.js";

/** Why a request was refused or failed; `retryable` tells webhook delivery whether to try again. */
export class OutboundError extends Error {
  override readonly name = "OutboundError";
  constructor(
    message: string,
    public readonly kind: "blocked" | "dns" | "network" | "timeout" | "too_large" | "redirect" | "bad_url",
  ) {
    super(message);
  }
  get retryable() {
    return this.kind === "dns" || this.kind === "network" || this.kind === "timeout";
  }
}

// Two lists: Node's BlockList matches IPv4 addresses against IPv6 rules as ::ffff:a.b.c.d,
// so one list with ::ffff:0:0/96 would refuse every IPv4 address.
const BLOCKED = new BlockList();
const BLOCKED6 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT (also Alibaba metadata 100.100.100.200)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata 169.254.169.254
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const)
  BLOCKED.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["::ffff:0:0", 96], // IPv4-mapped (would reach any IPv4 address)
  ["::", 96], // IPv4-compatible (deprecated)
  ["64:ff9b::", 96], // NAT64 (maps to IPv4)
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4 (embeds IPv4)
  ["fc00::", 7], // unique local (AWS metadata fd00:ec2::254 is here)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const)
  BLOCKED6.addSubnet(net, bits, "ipv6");

/** Names that resolve to internal services on common platforms, refused before any DNS. */
const BLOCKED_NAMES = /^(localhost|.*\.localhost|metadata|metadata\.google\.internal|.*\.internal|.*\.local|instance-data|instance-data\.ec2\.internal)$/i;

/** True when `ip` (v4 or v6 literal) is in a range a client URL must not reach. */
export function isBlockedAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 0) return true;
  return v === 4 ? BLOCKED.check(ip, "ipv4") : BLOCKED6.check(ip, "ipv6");
}

/** The hostname of a URL without IPv6 brackets, lower-cased. */
const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** Resolves a host name to all its addresses (default: the system resolver, as connections use). */
export type HostResolver = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export class OutboundPolicy {
  private readonly allowed: Set<string>;

  constructor(
    allowedHosts: readonly string[] = [],
    private readonly resolver: HostResolver = systemResolver,
  ) {
    this.allowed = new Set(allowedHosts.map((h) => h.trim().replace(/^\[|\]$/g, "").toLowerCase()).filter(Boolean));
  }

  isAllowedHost(host: string) {
    return this.allowed.has(host.replace(/^\[|\]$/g, "").toLowerCase());
  }

  /**
   * The checks that need no DNS: scheme, credentials, literal addresses and internal names.
   * Run at submission so an obviously internal URL is a 400 at once, not a failed job later.
   */
  checkStatic(raw: string, field: string): URL {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new UserInputError(`${field}: is not a valid URL`, field);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new UserInputError(`${field}: must be an http or https URL`, field);
    if (u.username || u.password) throw new UserInputError(`${field}: must not carry credentials`, field);
    const host = hostOf(u);
    if (this.isAllowedHost(host)) return u;
    if (isIP(host) ? isBlockedAddress(host) : BLOCKED_NAMES.test(host) || !host.includes(".")) {
      throw new UserInputError(
        `${field}: ${host} is a private, loopback, link-local or otherwise internal address; only public hosts are reachable (or hosts listed in ALLOWED_OUTBOUND_HOSTS)`,
        field,
      );
    }
    return u;
  }

  /** Resolves `u`'s host and returns the one address to connect to; throws when any answer is blocked. */
  async resolve(u: URL): Promise<{ address: string; family: 4 | 6 }> {
    const host = hostOf(u);
    const allowed = this.isAllowedHost(host);
    if (!allowed) {
      try {
        this.checkStatic(u.toString(), "url");
      } catch (err) {
        throw new OutboundError((err as Error).message.replace(/^url: /, ""), "blocked");
      }
    }
    const literal = isIP(host);
    if (literal) return { address: host, family: literal as 4 | 6 };
    let answers: { address: string; family: number }[];
    try {
      answers = await this.resolver(host);
    } catch (err) {
      throw new OutboundError(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "dns");
    }
    if (answers.length === 0) throw new OutboundError(`cannot resolve ${host}: no addresses`, "dns");
    if (!allowed) {
      // Every answer is checked: a name with one public and one private address is refused,
      // since a later connection could use the other one.
      const bad = answers.find((a) => isBlockedAddress(a.address));
      if (bad) throw new OutboundError(`${host} resolves to ${bad.address}, an internal address; refused`, "blocked");
    }
    return { address: answers[0]!.address, family: answers[0]!.family as 4 | 6 };
  }
}

export interface OutboundRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Overall time limit, including redirects and reading the body. */
  timeoutMs: number;
  /** Largest response body accepted; larger ones fail with kind "too_large". */
  maxBytes: number;
  maxRedirects?: number;
  /** Keep at most this many bytes of the body and discard the rest without failing (webhook replies). */
  truncateAt?: number;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that finally answered (after redirects). */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One HTTP(S) request under `policy`. Follows redirects for GET, and for POST only 307/308
 * (which keep method and body; 301/302/303 would turn a webhook into a GET).
 */
export async function outboundRequest(policy: OutboundPolicy, rawUrl: string, req: OutboundRequest): Promise<OutboundResponse> {
  const deadline = Date.now() + req.timeoutMs;
  const method = req.method ?? "GET";
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new OutboundError(`not a valid URL: ${rawUrl}`, "bad_url");
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new OutboundError(`refusing ${url.protocol} URL`, "bad_url");
    const target = await policy.resolve(url);
    const res = await requestOnce(url, target, method, req, deadline);
    if (REDIRECTS.has(res.status) && res.headers.location) {
      if (hop >= (req.maxRedirects ?? 5)) throw new OutboundError(`too many redirects (more than ${req.maxRedirects ?? 5})`, "redirect");
      if (method === "POST" && res.status !== 307 && res.status !== 308) {
        throw new OutboundError(`HTTP ${res.status} redirect would turn the POST into a GET; not followed`, "redirect");
      }
      try {
        url = new URL(res.headers.location, url);
      } catch {
        throw new OutboundError(`bad redirect location ${res.headers.location}`, "redirect");
      }
      continue;
    }
    return { ...res, url: url.toString() };
  }
}

function requestOnce(
  url: URL,
  target: { address: string; family: 4 | 6 },
  method: string,
  req: OutboundRequest,
  deadline: number,
): Promise<Omit<OutboundResponse, "url">> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new OutboundError(`timed out after ${req.timeoutMs} ms`, "timeout"));
  // The pinned lookup: whatever name the socket asks for, it gets the address checked above.
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const mod = url.protocol === "https:" ? https : http;
  const host = hostOf(url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (err: OutboundError) =>
      settle(() => {
        r.destroy();
        reject(err);
      });
    const r = mod.request(
      url,
      {
        method,
        lookup,
        agent: false, // no pooled socket from an earlier, differently resolved request
        headers: { "user-agent": "interaction-analytics-gateway", ...req.headers },
        ...(url.protocol === "https:" && !isIP(host) ? { servername: host } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const declared = Number(res.headers["content-length"] ?? "0");
        if (req.truncateAt === undefined && declared > req.maxBytes && !REDIRECTS.has(status)) {
          return void fail(new OutboundError(`response is ${declared} bytes, over the limit of ${req.maxBytes}`, "too_large"));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => settle(() => resolve({ status, headers: res.headers, body: Buffer.concat(chunks).subarray(0, req.truncateAt ?? size) }));
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (req.truncateAt !== undefined) {
            // a webhook reply: keep the start for the error message, stop reading an endless one
            if (size - c.length < req.truncateAt) chunks.push(c);
            if (size > req.maxBytes) {
              finish();
              res.destroy();
            }
            return;
          }
          if (size > req.maxBytes) return void fail(new OutboundError(`response is larger than the limit of ${req.maxBytes} bytes`, "too_large"));
          chunks.push(c);
        });
        res.on("end", finish);
        res.on("error", (err) => fail(new OutboundError(err.message, "network")));
        res.on("close", () => (res.complete ? finish() : fail(new OutboundError("connection closed mid-response", "network"))));
      },
    );
    const timer = setTimeout(() => fail(new OutboundError(`timed out after ${req.timeoutMs} ms`, "timeout")), remaining);
    r.on("error", (err: NodeJS.ErrnoException) => fail(new OutboundError(`${url.host}: ${err.code ?? err.message}`, "network")));
    r.end(req.body);
  });
}
