/**
 * A minimal authoritative DNS server over UDP for tests: answers A and AAAA queries from a
 * table (each name may give different answers on successive queries, as a rebinding
 * attacker's server would). Used with a node:dns Resolver pointed at it.
 */
import { createSocket, type Socket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { isIPv4 } from "node:net";

export interface DnsServer {
  port: number;
  /** Queries seen per name. */
  queries: Map<string, number>;
  /** A resolver (all addresses, A then AAAA) that asks only this server. */
  resolve: (host: string) => Promise<{ address: string; family: number }[]>;
  close: () => void;
}

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split(".").filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** `table[name]` is a list of answer sets; query n gets set min(n, last). */
export async function startDnsServer(table: Record<string, string[][]>): Promise<DnsServer> {
  const queries = new Map<string, number>();
  const sock: Socket = createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    let o = 12;
    const labels: string[] = [];
    while (msg[o]) {
      labels.push(msg.subarray(o + 1, o + 1 + msg[o]).toString());
      o += msg[o] + 1;
    }
    o++;
    const qtype = msg.readUInt16BE(o);
    const question = msg.subarray(12, o + 4);
    const name = labels.join(".").toLowerCase();
    const n = queries.get(name) ?? 0;
    if (qtype === 1) queries.set(name, n + 1); // count A queries: one per resolution
    const sets = table[name];
    const set = sets ? sets[Math.min(qtype === 1 ? n : Math.max(0, n - 1), sets.length - 1)] : undefined;
    const answers = (set ?? []).filter((ip) => (qtype === 1 ? isIPv4(ip) : qtype === 28 ? !isIPv4(ip) : false));
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    header.writeUInt16BE(sets ? 0x8400 : 0x8403, 2); // response, authoritative, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((ip) => {
      const data = qtype === 1 ? Buffer.from(ip.split(".").map(Number)) : ipv6Bytes(ip);
      const rr = Buffer.alloc(10);
      rr.writeUInt16BE(qtype, 0);
      rr.writeUInt16BE(1, 2);
      rr.writeUInt32BE(0, 4); // TTL 0: no caching, like a rebinding server
      rr.writeUInt16BE(data.length, 8);
      return Buffer.concat([encodeName(name), rr, data]);
    });
    sock.send(Buffer.concat([header, question, ...rrs]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  const port = sock.address().port;
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return {
    port,
    queries,
    resolve: async (host) => {
      const v4 = await resolver.resolve4(host).catch(() => [] as string[]);
      const v6 = await resolver.resolve6(host).catch(() => [] as string[]);
      const all = [...v4.map((address) => ({ address, family: 4 })), ...v6.map((address) => ({ address, family: 6 }))];
      if (all.length === 0) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return all;
    },
    close: () => sock.close(),
  };
}
