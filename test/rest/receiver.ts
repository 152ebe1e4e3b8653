/**
 * A real HTTP webhook receiver for tests: records every callback, verifies its Standard
 * Webhooks signature with the `standardwebhooks` package (as a client's receiver would),
 * and answers whatever the test says.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedCall {
  at: number;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { request_id?: string; response?: Record<string, unknown>; error?: { type: string; message: string } } & Record<string, unknown>;
  /** Signature verified with the receiver's secret. */
  verified: boolean;
  verifyError?: string;
}

export interface Receiver {
  url: string;
  port: number;
  calls: ReceivedCall[];
  /** Decides the HTTP status answered to each call (default 200). */
  respond: (fn: (call: ReceivedCall, nth: number) => number) => void;
  /** Resolves with the verified calls for `requestId` once there are at least `count`. */
  waitFor: (requestId: string, opts?: { count?: number; timeoutMs?: number }) => Promise<ReceivedCall[]>;
  close: () => Promise<void>;
}

export async function startReceiver(secret: string, port = 0): Promise<Receiver> {
  const calls: ReceivedCall[] = [];
  let decide: (call: ReceivedCall, nth: number) => number = () => 200;
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body = {} as ReceivedCall["body"];
      try {
        body = JSON.parse(raw);
      } catch {
        /* recorded as is */
      }
      const call: ReceivedCall = { at: Date.now(), headers: req.headers, raw, body, verified: false };
      try {
        new Webhook(secret).verify(raw, {
          "webhook-id": String(req.headers["webhook-id"] ?? ""),
          "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
        });
        call.verified = true;
      } catch (err) {
        call.verifyError = (err as Error).message;
      }
      calls.push(call);
      const nth = calls.filter((c) => c.body.request_id === body.request_id).length;
      const status = decide(call, nth);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: status < 300 }));
      for (const w of waiters) w();
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/hook`,
    port: actualPort,
    calls,
    respond: (fn) => void (decide = fn),
    waitFor: (requestId, opts = {}) =>
      new Promise((resolve, reject) => {
        const count = opts.count ?? 1;
        const check = () => {
          const mine = calls.filter((c) => c.body.request_id === requestId);
          if (mine.filter((c) => c.verified).length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(mine);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${count} verified callback(s) for ${requestId} within ${opts.timeoutMs ?? 60_000} ms; got ${JSON.stringify(calls.filter((c) => c.body.request_id === requestId).map((c) => c.verifyError ?? "ok"))}`));
        }, opts.timeoutMs ?? 60_000);
        waiters.add(check);
        check();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Whether `call` verifies with `secret`, checked the way a client's receiver checks it. */
export function verifiesWith(call: ReceivedCall, secret: string): boolean {
  try {
    new Webhook(secret).verify(call.raw, {
      "webhook-id": String(call.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(call.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(call.headers["webhook-signature"] ?? ""),
    });
    return true;
  } catch {
    return false;
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`);
}

export const CLIENT_SECRET_A = `whsec_${Buffer.from("client-a-secret-0123456789").toString("base64")}`;
export const CLIENT_SECRET_B = `whsec_${Buffer.from("client-b-secret-9876543210").toString("base64")}`;
export const KEY_A = "rest-key-alice-0123456789";
export const KEY_B = "rest-key-bob-9876543210";

/** POSTs a DeepAffects async request. */
export async function restSubmit(baseUrl: string, body: unknown, query: Record<string, string | undefined>, init: { raw?: string; headers?: Record<string, string> } = {}) {
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined) as [string, string][]).toString();
  const res = await fetch(`${baseUrl}/audio/generic/api/v1/async/analytics/interaction${qs ? `?${qs}` : ""}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: init.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { unparsed: text };
  }
  return { status: res.status, body: json as { request_id?: string; api?: string; error?: { type: string; message: string } } & Record<string, unknown>, headers: res.headers };
}

export async function restStatus(baseUrl: string, requestId: string | undefined, apikey?: string) {
  const qs = new URLSearchParams({ ...(requestId !== undefined ? { request_id: requestId } : {}), ...(apikey ? { apikey } : {}) });
  const res = await fetch(`${baseUrl}/transaction/generic/api/v1/async/status?${qs}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { status?: string; error?: { type: string; message: string } } };
}
