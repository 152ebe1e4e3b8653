import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboundError, OutboundPolicy, isBlockedAddress, outboundRequest } from "../../src/http/outbound.js";
import { fetchAudio } from "../../src/worker/fetch-audio.js";
import { startDnsServer, type DnsServer } from "./dns-server.js";

// The SSRF guard against real sockets and the real resolver.
let server: Server;
let base: string;
let port: number;
let dns: DnsServer;

beforeAll(async () => {
  // A real DNS server (UDP) with test names, asked through a node:dns Resolver.
  dns = await startDnsServer({
    "loopback.test": [["127.0.0.1"]],
    "metadata.test": [["169.254.169.254"]],
    "mixed.test": [["93.184.216.34", "10.0.0.7"]],
    "v6private.test": [["fd12:3456::1"]],
    "mapped.test": [["::ffff:7f00:1"]],
    // rebinding: public first, loopback afterwards; allowed by name so the connection must use the first answer
    "rebind.test": [["127.0.0.1"], ["10.9.9.9"]],
  });
  server = createServer((req, res) => {
    const u = new URL(req.url!, "http://x");
    if (u.pathname === "/ok") return void res.end("hello");
    if (u.pathname === "/big") return void res.writeHead(200, { "content-length": String(2 * 1024 * 1024) }).end(Buffer.alloc(2 * 1024 * 1024));
    if (u.pathname === "/stream") {
      // no content-length: the limit must hold while reading
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 4 * 1024 * 1024) res.once("drain", pump);
        else res.end();
      };
      return void pump();
    }
    if (u.pathname === "/slow") return void setTimeout(() => res.end("late"), 3000);
    if (u.pathname === "/redirect") return void res.writeHead(302, { location: u.searchParams.get("to")! }).end();
    if (u.pathname === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
    res.writeHead(404).end();
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => {
  server?.close();
  dns?.close();
});

const limits = { timeoutMs: 2000, maxBytes: 1024 * 1024 };
const blocked = async (p: Promise<unknown>, kind: string, message: RegExp) => {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(OutboundError);
  expect((err as OutboundError).kind).toBe(kind);
  expect((err as Error).message).toMatch(message);
};

describe("address rules", () => {
  it.each([
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.0.1",
    "100.64.0.1", "100.100.100.200", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "198.18.0.1",
    "::", "::1", "fc00::1", "fd00:ec2::254", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1",
  ])("refuses %s", (ip) => expect(isBlockedAddress(ip)).toBe(true));
  it.each(["93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"])("allows %s", (ip) =>
    expect(isBlockedAddress(ip)).toBe(false),
  );

  it("refuses internal names, literal addresses and odd schemes before any DNS", () => {
    const p = new OutboundPolicy();
    for (const url of [
      "http://localhost/a",
      "http://api.localhost/a",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://[::1]:8080/",
      "http://[::ffff:169.254.169.254]/",
      "http://0x7f000001/", // WHATWG URL turns this into 127.0.0.1
      "http://2130706433/", // and this
      "http://017700000001/", // and this (octal)
      "http://intranet/",
    ]) {
      expect(() => p.checkStatic(url, "url"), url).toThrow(/private, loopback, link-local or otherwise internal/);
    }
    expect(() => p.checkStatic("file:///etc/passwd", "url")).toThrow(/http or https/);
    expect(() => p.checkStatic("http://user:pw@example.com/", "url")).toThrow(/credentials/);
    expect(p.checkStatic("https://example.com/a.wav", "url").hostname).toBe("example.com");
  });
});

describe("outboundRequest", () => {
  it("refuses loopback unless the host is allowed", async () => {
    await blocked(outboundRequest(new OutboundPolicy(), `${base}/ok`, limits), "blocked", /127\.0\.0\.1 is a private/);
    const res = await outboundRequest(new OutboundPolicy(["127.0.0.1"]), `${base}/ok`, limits);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("hello");
  });

  it("resolves names and refuses one when any of its addresses is internal", async () => {
    const p = new OutboundPolicy([], dns.resolve);
    await blocked(outboundRequest(p, `http://loopback.test:${port}/ok`, limits), "blocked", /loopback\.test resolves to 127\.0\.0\.1, an internal address/);
    await blocked(outboundRequest(p, `http://metadata.test/latest/meta-data/`, limits), "blocked", /resolves to 169\.254\.169\.254/);
    await blocked(outboundRequest(p, `http://mixed.test/`, limits), "blocked", /resolves to 10\.0\.0\.7/);
    await blocked(outboundRequest(p, `http://v6private.test/`, limits), "blocked", /resolves to fd12:3456::1/);
    await blocked(outboundRequest(p, `http://mapped.test/`, limits), "blocked", /resolves to ::ffff:(127\.0\.0\.1|7f00:1)/);
    await blocked(outboundRequest(p, `http://unknown.test/`, limits), "dns", /cannot resolve unknown\.test/);
  });

  it("pins the connection to the address it checked (one lookup; no second answer is used)", async () => {
    const before = dns.queries.get("rebind.test") ?? 0;
    const p = new OutboundPolicy(["rebind.test"], dns.resolve);
    // the system resolver does not know rebind.test: this only connects because the socket
    // uses the address resolved (and checked) above
    const res = await outboundRequest(p, `http://rebind.test:${port}/ok`, limits);
    expect(res.body.toString()).toBe("hello");
    expect((dns.queries.get("rebind.test") ?? 0) - before).toBe(1);
  });

  it("re-checks every redirect hop", async () => {
    const allowLocal = new OutboundPolicy(["127.0.0.1"]);
    await blocked(outboundRequest(allowLocal, `${base}/redirect?to=${encodeURIComponent("http://169.254.169.254/latest/meta-data/")}`, limits), "blocked", /169\.254\.169\.254/);
    const viaDns = new OutboundPolicy(["127.0.0.1"], dns.resolve);
    await blocked(outboundRequest(viaDns, `${base}/redirect?to=${encodeURIComponent(`http://loopback.test:${port}/ok`)}`, limits), "blocked", /loopback\.test resolves to 127\.0\.0\.1/);
    await blocked(outboundRequest(allowLocal, `${base}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`, limits), "bad_url", /file:/);
    const ok = await outboundRequest(allowLocal, `${base}/redirect?to=/ok`, limits);
    expect(ok.body.toString()).toBe("hello");
    await blocked(outboundRequest(allowLocal, `${base}/loop`, { ...limits, maxRedirects: 3 }), "redirect", /too many redirects/);
  });

  it("does not turn a POST into a GET on 302", async () => {
    await blocked(outboundRequest(new OutboundPolicy(["127.0.0.1"]), `${base}/redirect?to=/ok`, { ...limits, method: "POST", body: "{}" }), "redirect", /POST into a GET/);
  });

  it("caps the size, declared or streamed, and the time", async () => {
    const p = new OutboundPolicy(["127.0.0.1"]);
    await blocked(outboundRequest(p, `${base}/big`, limits), "too_large", /over the limit of 1048576/);
    await blocked(outboundRequest(p, `${base}/stream`, limits), "too_large", /larger than the limit of 1048576/);
    const started = Date.now();
    await blocked(outboundRequest(p, `${base}/slow`, { ...limits, timeoutMs: 300 }), "timeout", /timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("fetchAudio reports refusals as readable download errors", async () => {
    await expect(fetchAudio(`${base}/ok`, { ...limits, policy: new OutboundPolicy() })).rejects.toThrow(/could not download .*127\.0\.0\.1 is a private/);
    await expect(fetchAudio(`${base}/missing`, { ...limits, policy: new OutboundPolicy(["127.0.0.1"]) })).rejects.toThrow(/HTTP 404/);
    expect((await fetchAudio(`${base}/ok`, { ...limits, policy: new OutboundPolicy(["127.0.0.1"]) })).toString()).toBe("hello");
  });
});
