import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../src/server.js";
import { TEST_SECRET, startTestGateway } from "../helpers/gateway.js";
import { CLIENT_SECRET_A, KEY_A } from "./receiver.js";

// A refusal (401, 413, 429) must reach a client that is still sending its body, as a client
// like Python's requests sends it: the whole body first, then it reads the answer. A server
// that answers and closes at once resets the connection under the client ("Broken pipe").
const SUBMIT = "/audio/generic/api/v1/async/analytics/interaction";

interface RawOutcome {
  /** The answer's status, or undefined when none arrived. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes of the body written before the connection failed or ended. */
  written: number;
  error?: string;
}

/**
 * Sends `bodyBytes` in 64 KiB pieces, `pauseMs` apart, reading nothing until the body is
 * out (or the socket failed), then reads the answer.
 */
function sendSlowly(url: string, path: string, bodyBytes: number, opts: { pauseMs?: number; chunked?: boolean; headers?: Record<string, string> } = {}): Promise<RawOutcome> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(u.port), u.hostname);
    const received: Buffer[] = [];
    let written = 0;
    let error: string | undefined;
    socket.pause(); // a client busy sending does not read yet
    socket.on("data", (d) => received.push(d));
    socket.on("error", (err) => (error ??= (err as NodeJS.ErrnoException).code ?? err.message));
    socket.on("close", () => {
      const text = Buffer.concat(received).toString("latin1");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const lines = head.split("\r\n");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "")?.[1];
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status: status ? Number(status) : undefined, headers, body: rest.join("\r\n\r\n"), written, error });
    });
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: ${u.host}`,
      "Content-Type: application/json",
      opts.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${bodyBytes}`,
      ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
    socket.write(head);
    const piece = Buffer.alloc(64 * 1024, 0x41);
    const step = () => {
      if (error || socket.destroyed) return void socket.resume();
      if (written >= bodyBytes) {
        if (opts.chunked) socket.write("0\r\n\r\n");
        return void socket.resume(); // now read the answer
      }
      const n = Math.min(piece.length, bodyBytes - written);
      const data = opts.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece.subarray(0, n), Buffer.from("\r\n")]) : piece.subarray(0, n);
      socket.write(data, (err) => {
        if (err) return void (error ??= (err as NodeJS.ErrnoException).code ?? err.message);
        written += n;
        setTimeout(step, opts.pauseMs ?? 5);
      });
    };
    step();
  });
}

describe("early refusals reach a client that is still sending", () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      API_KEYS: `${KEY_A}:${CLIENT_SECRET_A}`,
      HOST: "127.0.0.1",
      RUN_WORKER: "false",
      WEBHOOK_SECRET: TEST_SECRET,
      MAX_AUDIO_BYTES: String(1024 * 1024),
      MAX_BODY_BYTES: String(2 * 1024 * 1024),
      SUBMIT_RATE_LIMIT_PER_MINUTE: "0",
    });
  });
  afterAll(() => gw?.close());

  it("401 for a wrong key with a 2.5 MB body, read by the client after sending all of it", async () => {
    const r = await sendSlowly(gw.url, `${SUBMIT}?apikey=wrong-key-000000000&webhook=https://example.com/hook`, 2.5 * 1024 * 1024);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(401);
    expect(r.written).toBe(2.5 * 1024 * 1024);
    expect(r.headers.connection).toBe("close");
    expect(JSON.parse(r.body).error.type).toBe("unauthorized");
  });

  it("413 for a declared body over MAX_BODY_BYTES, after reading it", async () => {
    const r = await sendSlowly(gw.url, `${SUBMIT}?apikey=${KEY_A}&webhook=https://example.com/hook`, 2.5 * 1024 * 1024);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe("close");
    expect(JSON.parse(r.body).error.message).toMatch(/request body of 2621440 bytes is larger than the limit of 2097152 bytes/);
  });

  it("413 for a chunked body that grows over MAX_BODY_BYTES", async () => {
    const r = await sendSlowly(gw.url, `${SUBMIT}?apikey=${KEY_A}&webhook=https://example.com/hook`, 3 * 1024 * 1024, { chunked: true, pauseMs: 1 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe("close");
    expect(JSON.parse(r.body).error.type).toBe("payload_too_large");
  });

  it("413 for a GraphQL body over the limit, too", async () => {
    const r = await sendSlowly(gw.url, "/graphql", 2.5 * 1024 * 1024, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("429 past the submission rate limit with a 2.5 MB body", async () => {
    const limited = await startTestGateway({ API_KEYS: KEY_A, HOST: "127.0.0.1", RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET, SUBMIT_RATE_LIMIT_PER_MINUTE: "1" });
    try {
      await fetch(`${limited.url}${SUBMIT}?apikey=${KEY_A}&webhook=https://example.com/hook`, { method: "POST", body: "{}" }); // the one submission a minute
      const r = await sendSlowly(limited.url, `${SUBMIT}?apikey=${KEY_A}&webhook=https://example.com/hook`, 2.5 * 1024 * 1024);
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(429);
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(r.headers.connection).toBe("close");
    } finally {
      await limited.close();
    }
  });

  it("cuts an endless chunked body: answers 413 and closes, long before Node's request timeout", async () => {
    const u = new URL(gw.url);
    const started = Date.now();
    const outcome = await new Promise<{ status?: number; sent: number; closedAfterMs: number }>((resolve) => {
      let sent = 0;
      let status: number | undefined;
      const req = request({ host: u.hostname, port: u.port, method: "POST", path: `${SUBMIT}?apikey=${KEY_A}&webhook=https://example.com/hook`, headers: { "content-type": "application/json" } });
      req.on("response", (res) => {
        status = res.statusCode;
        res.resume();
      });
      const done = () => resolve({ status, sent, closedAfterMs: Date.now() - started });
      req.on("error", done);
      req.on("close", done);
      const piece = Buffer.alloc(64 * 1024, 0x41);
      // one piece at a time, each once the previous is on the wire (a ClientRequest would
      // otherwise buffer everything in memory before it is even connected)
      const pump = () => {
        if (req.destroyed || sent > 200 * 1024 * 1024) return void req.end();
        req.write(piece, (err) => {
          if (err) return;
          sent += piece.length;
          pump();
        });
      };
      req.once("socket", (socket) => socket.once("connect", pump));
    });
    expect(outcome.status).toBe(413);
    // the limit (2 MiB) plus at most the drain bound (8 MiB), give or take socket buffers
    expect(outcome.sent).toBeLessThan(40 * 1024 * 1024);
    expect(outcome.closedAfterMs).toBeLessThan(15_000);
  });
});

describe("keep-alive", () => {
  it("keeps an idle connection open longer than a load balancer would (65 s by default), configurable", async () => {
    const gw = await startTestGateway({ API_KEYS: KEY_A, HOST: "127.0.0.1", RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET });
    const short = await startTestGateway({ API_KEYS: KEY_A, HOST: "127.0.0.1", RUN_WORKER: "false", WEBHOOK_SECRET: TEST_SECRET, HTTP_KEEP_ALIVE_SECONDS: "2" });
    try {
      expect(gw.httpServer.keepAliveTimeout).toBe(65_000);
      expect(gw.httpServer.headersTimeout).toBeGreaterThan(65_000);
      expect(short.httpServer.keepAliveTimeout).toBe(2000);
      // one socket, two requests 6 s apart: the second reuses it (Node's default would have closed it at 5 s)
      const ask = (url: string, socket?: import("node:net").Socket) =>
        new Promise<{ status: number; socket: import("node:net").Socket; reused: boolean }>((resolve, reject) => {
          const u = new URL(url);
          const req = request({ host: u.hostname, port: u.port, path: "/healthz", agent: false, createConnection: socket ? () => socket : undefined, headers: { connection: "keep-alive" } });
          req.on("response", (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode!, socket: req.socket!, reused: !!socket }));
          });
          req.on("error", reject);
          req.end();
        });
      const closedWithin = (socket: import("node:net").Socket, ms: number) =>
        new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), ms);
          socket.once("close", () => (clearTimeout(t), resolve(true)));
        });
      const first = await ask(gw.url);
      const firstShort = await ask(short.url);
      const [longClosed, shortClosed] = await Promise.all([closedWithin(first.socket, 6000), closedWithin(firstShort.socket, 6000)]);
      expect(shortClosed).toBe(true); // HTTP_KEEP_ALIVE_SECONDS=2 is honoured
      expect(longClosed).toBe(false);
      const second = await ask(gw.url, first.socket);
      expect(second.status).toBe(200);
      expect(second.reused).toBe(true);
      first.socket.destroy();
    } finally {
      await gw.close();
      await short.close();
    }
  }, 20_000);
});
