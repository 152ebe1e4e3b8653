/**
 * `npm run bench:fanout [-- --reps 3 --n 1000 --rate 1000 --concurrency 64 --warmup 3000]`:
 * completion fan-out of this gateway against the bare baseline gateway of ../shared/fanout,
 * in one run, on one private Redis.
 *
 * Starts a private redis-server (free port, no persistence), two replicas of this gateway
 * (compiled dist/, RUN_WORKER=false) and two replicas of ../shared/fanout/baseline-server.mjs;
 * warms each pair up with an unrecorded load run; then `reps` rounds, each of a paced pair
 * (--rate, default 1,000/s: p99 webhook POST start → subscriber `next`, and ack p99) and an
 * unpaced pair (64 POSTs in flight: completions/s), the order of baseline and product
 * alternating from round to round. The load is ../shared/fanout/load.mjs (N graphql-ws
 * subscribers over both replicas, each webhook POSTed to the replica its subscriber is not
 * on). CPU per completion is the CPU time of both replicas (all threads, from
 * /proc/<pid>/task/<tid>/schedstat) from just before the first measured POST to the last
 * answer, divided by N; RSS is read from /proc/<pid>/status after the runs.
 *
 * Per-key limits are raised on this gateway for the bench (RATE_LIMIT_PER_MINUTE,
 * SUBMIT_RATE_LIMIT_PER_MINUTE, MAX_WS_CONNECTIONS, MAX_WS_CONNECTIONS_PER_KEY): one API
 * key submits N + 2,000 jobs per run over /graphql and holds up to 5,000 graphql-ws
 * connections (one per subscriber), far above the defaults (600 requests and 60 submissions
 * per key per minute, 1,000 connections per process, 50 per key), which are right for a
 * public deployment. The completion door itself has no rate limit.
 *
 * The harness is ../shared/fanout ($FANOUT_HARNESS overrides). Node modules of the harness live in $FANOUT_PREFIX (default /tmp/fanout-run), installed
 * there (pinned, as run-baseline.sh does) when missing. Prints both systems, the ratios and
 * the medians; writes bench/out/fanout-<stamp>.json. Stops every process it started (each in
 * its own process group), also on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { freePort } from "../test/faults/helpers.js";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const HARNESS = process.env.FANOUT_HARNESS ?? join(root, "..", "shared", "fanout");
const PREFIX = process.env.FANOUT_PREFIX ?? "/tmp/fanout-run";
const argv = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = argv.lastIndexOf(`--${k}`);
  return i < 0 ? d : Number(argv[i + 1]);
};
const REPS = opt("reps", 3);
const N = opt("n", 1000);
const RATE = opt("rate", 1000);
const CONC = opt("concurrency", 64);
const WARMUP = opt("warmup", 3000);
const STAMP = new Date().toISOString().replace(/[:.]/g, "-");
const OUT_DIR = join(root, "bench", "out", `fanout-${STAMP}`);
mkdirSync(OUT_DIR, { recursive: true });
const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const API_KEY = `bench-${randomBytes(12).toString("hex")}`;
const RAISED_LIMITS = {
  RATE_LIMIT_PER_MINUTE: "1000000",
  SUBMIT_RATE_LIMIT_PER_MINUTE: "1000000",
  MAX_WS_CONNECTIONS: "100000",
  MAX_WS_CONNECTIONS_PER_KEY: "100000",
};

const log = (...a: unknown[]) => console.error(`[bench:fanout ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ processes we started
const started: ChildProcess[] = [];
function start(name: string, cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const out = openSync(join(OUT_DIR, `${name}.log`), "a");
  // detached: its own process group, so stopping it takes its children too
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", out, out], detached: true });
  started.push(child);
  return child;
}
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
async function stopAll() {
  for (const c of [...started].reverse()) if (alive(c)) try { process.kill(-c.pid!, "SIGTERM"); } catch { /* gone */ }
  const end = Date.now() + 8000;
  while (started.some(alive) && Date.now() < end) await sleep(100);
  for (const c of started) if (alive(c)) try { process.kill(-c.pid!, "SIGKILL"); } catch { /* gone */ }
}
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void stopAll().finally(() => process.exit(130)));

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up within ${ms} ms (logs in ${OUT_DIR})`);
}
const httpUp = (url: string) => () => fetch(url).then((r) => r.ok);

/** CPU time of a process, all threads, in ms (schedstat: ns on the CPU). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      /* the thread ended */
    }
  }
  return ns / 1e6;
}
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;

// ------------------------------------------------------------------------------ the load
interface System {
  label: "baseline" | "product";
  http: string[];
  ws: string[];
  pids: number[];
}
interface Run {
  system: System["label"];
  kind: "paced" | "unpaced";
  round: number;
  p99: number;
  p50: number;
  ackP99: number;
  completionsPerSecond: number;
  deliveriesPerSecond: number | null;
  missed: number;
  cpuMsPerCompletion: number;
  load1: number;
  file: string;
}

function runLoad(sys: System, args: string[], out: string, window?: (phase: "start" | "end") => void): Promise<number> {
  const full = [
    join(HARNESS, "load.mjs"),
    "--mode", sys.label === "product" ? "product" : "baseline",
    "--ws", sys.ws.join(","),
    "--http", sys.http.join(","),
    "--secret", SECRET,
    "--concurrency", String(CONC),
    "--out", out,
    ...(sys.label === "product" ? ["--key", API_KEY] : []),
    ...args,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, full, { env: { ...process.env, FANOUT_PREFIX: PREFIX }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    started.push(child);
    let buf = "";
    child.stderr!.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (/\bsending \d+ webhooks\b/.test(line)) window?.("start");
        else if (/\ball webhooks answered\b/.test(line)) window?.("end");
        else if (/WARNING|failed|Error/i.test(line)) log(`${sys.label}: ${line}`);
      }
    });
    child.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

async function measure(sys: System, kind: Run["kind"], round: number): Promise<Run> {
  const file = join(OUT_DIR, `${sys.label}-${kind}-r${round}.json`);
  let cpu0 = 0;
  let cpu1 = 0;
  const total = () => sys.pids.reduce((s, p) => s + cpuMs(p), 0);
  // The window opens in the idle 300 ms gap load.mjs leaves between its warm-up round and
  // the measured POSTs: the sample taken ~150 ms before the "sending" line reached us (our
  // pipe read lags the load's write a little), so no measured work is missed. It closes when
  // the "all webhooks answered" line arrives (before the load disposes its subscribers).
  const samples: [number, number][] = [];
  const sampler = setInterval(() => {
    samples.push([performance.now(), total()]);
    if (samples.length > 100) samples.shift();
  }, 20);
  const load1 = loadavg()[0]!;
  const code = await runLoad(sys, ["--n", String(N), "--label", `${sys.label}-${kind}`, ...(kind === "paced" ? ["--rate", String(RATE)] : [])], file, (phase) => {
    if (phase === "start") {
      const at = performance.now() - 150;
      cpu0 = ([...samples].reverse().find(([t]) => t <= at) ?? samples[0] ?? [0, total()])[1];
    } else cpu1 = total();
  });
  clearInterval(sampler);
  if (!existsSync(file)) throw new Error(`load run for ${sys.label} ${kind} wrote no summary (exit ${code})`);
  const s = JSON.parse(readFileSync(file, "utf8"));
  return {
    system: sys.label,
    kind,
    round,
    p50: s.latencyMs.p50,
    p99: s.latencyMs.p99,
    ackP99: s.webhookAckMs.p99,
    completionsPerSecond: s.webhookThroughputRps,
    deliveriesPerSecond: s.deliveryThroughputRps,
    missed: s.missing + s.httpErrors + s.wrongPayload,
    cpuMsPerCompletion: cpu1 > cpu0 ? (cpu1 - cpu0) / N : NaN,
    load1,
    file,
  };
}

// -------------------------------------------------------------------------------- setup
function ensureHarnessModules() {
  if (existsSync(join(PREFIX, "node_modules", "graphql-ws"))) return;
  log(`installing the harness's node modules into ${PREFIX}`);
  mkdirSync(PREFIX, { recursive: true });
  if (!existsSync(join(PREFIX, "package.json"))) writeFileSync(join(PREFIX, "package.json"), '{"name":"fanout-run","private":true}\n');
  const r = spawnSync("npm", ["install", "--prefix", PREFIX, "--no-audit", "--no-fund", "graphql@16.15.0", "graphql-ws@6.4.2", "ws@8.23.0", "ioredis@6.0.0", "standardwebhooks@1.1.1"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm install of the harness modules failed");
}

async function main() {
  if (!existsSync(join(HARNESS, "load.mjs"))) throw new Error(`${HARNESS}/load.mjs is missing: the shared fan-out harness is needed`);
  if (!existsSync(join(root, "dist", "src", "main.js"))) throw new Error("dist/src/main.js is missing: run `npm run build` (npm run bench:fanout does)");
  ensureHarnessModules();
  const uptimeBefore = spawnSync("uptime", { encoding: "utf8" }).stdout.trim();
  log(`load before: ${uptimeBefore}`);

  const redisPort = await freePort();
  start("redis", "redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], {});
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  await waitFor("redis-server", async () => spawnSync("redis-cli", ["-p", String(redisPort), "ping"], { encoding: "utf8" }).stdout.includes("PONG"));

  const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()));
  const product: System = { label: "product", http: [], ws: [], pids: [] };
  const baseline: System = { label: "baseline", http: [], ws: [], pids: [] };
  for (const [i, port] of ports.entries()) {
    const sys = i < 2 ? product : baseline;
    const child =
      sys === product
        ? start(`product-${port}`, process.execPath, [join(root, "dist", "src", "main.js")], {
            PORT: String(port),
            HOST: "127.0.0.1",
            PUBLIC_URL: `http://127.0.0.1:${port}`,
            REDIS_URL: redisUrl,
            REDIS_PREFIX: "fanout",
            WEBHOOK_SECRET: SECRET,
            API_KEYS: API_KEY,
            RUN_WORKER: "false",
            TRANSCRIBER: "none",
            NODE_ENV: "production",
            ...RAISED_LIMITS,
          })
        : start(`baseline-${port}`, process.execPath, [join(HARNESS, "baseline-server.mjs")], {
            PORT: String(port),
            HOST: "127.0.0.1",
            REDIS_URL: redisUrl,
            WEBHOOK_SECRET: SECRET,
            FANOUT_PREFIX: PREFIX,
          });
    sys.http.push(`http://127.0.0.1:${port}`);
    sys.ws.push(`ws://127.0.0.1:${port}/graphql`);
    sys.pids.push(child.pid!);
  }
  for (const sys of [product, baseline]) for (const u of sys.http) await waitFor(`${sys.label} ${u}`, httpUp(`${u}/healthz`));
  log(`redis ${redisUrl}; product ${product.http.join(" ")}; baseline ${baseline.http.join(" ")}; results in ${OUT_DIR}`);
  log(`per-key limits raised on the product for the load: ${Object.entries(RAISED_LIMITS).map(([k, v]) => `${k}=${v}`).join(" ")}`);

  for (const sys of [baseline, product]) {
    log(`warm-up: ${sys.label}, ${WARMUP} subscribers (unrecorded)`);
    const code = await runLoad(sys, ["--n", String(WARMUP), "--label", "warmup", "--quiet"], join(OUT_DIR, `${sys.label}-warmup.json`));
    if (code !== 0) log(`warm-up of ${sys.label} failed (exit ${code}); see ${OUT_DIR}`);
  }

  const runs: Run[] = [];
  for (let round = 1; round <= REPS; round++) {
    const order = round % 2 === 1 ? [baseline, product] : [product, baseline];
    for (const kind of ["paced", "unpaced"] as const) {
      for (const sys of order) {
        log(`round ${round}/${REPS}: ${kind} ${sys.label}`);
        runs.push(await measure(sys, kind, round));
        await sleep(1000);
      }
    }
  }
  const rss = Object.fromEntries([product, baseline].map((s) => [s.label, s.pids.map((p) => Math.round(rssMb(p)))]));
  const uptimeAfter = spawnSync("uptime", { encoding: "utf8" }).stdout.trim();
  await stopAll();

  // ------------------------------------------------------------------------ report
  const med = (xs: number[]) => {
    const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    if (!s.length) return NaN;
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const pick = (system: Run["system"], kind: Run["kind"], f: (r: Run) => number) => med(runs.filter((r) => r.system === system && r.kind === kind).map(f));
  const row = (name: string, kind: Run["kind"], f: (r: Run) => number, digits: number) => {
    const b = pick("baseline", kind, f);
    const p = pick("product", kind, f);
    return { name, product: +p.toFixed(digits), baseline: +b.toFixed(digits), ratio: +(p / b).toFixed(2) };
  };
  const table = [
    row("paced: p99 webhook start -> subscriber (ms)", "paced", (r) => r.p99, 2),
    row("paced: p50 webhook start -> subscriber (ms)", "paced", (r) => r.p50, 2),
    row("paced: webhook ack p99 (ms)", "paced", (r) => r.ackP99, 2),
    row("unpaced: completions/s", "unpaced", (r) => r.completionsPerSecond, 0),
    row("unpaced: deliveries/s", "unpaced", (r) => r.deliveriesPerSecond ?? NaN, 0),
    row("unpaced: CPU per completion, both replicas (ms)", "unpaced", (r) => r.cpuMsPerCompletion, 3),
    row("paced: CPU per completion, both replicas (ms)", "paced", (r) => r.cpuMsPerCompletion, 3),
  ];
  const missed = { product: runs.filter((r) => r.system === "product").reduce((s, r) => s + r.missed, 0), baseline: runs.filter((r) => r.system === "baseline").reduce((s, r) => s + r.missed, 0) };
  const targets = {
    pacedP99: { ratio: table[0]!.ratio, limit: 1.5, met: table[0]!.ratio <= 1.5 },
    unpacedThroughput: { ratio: table[3]!.ratio, limit: 0.8, met: table[3]!.ratio >= 0.8 },
    noMissedCompletion: { missed: missed.product, met: missed.product === 0 },
  };

  console.log(`\nfan-out: this gateway vs the bare baseline — ${REPS} interleaved rounds, N=${N} subscribers, paced ${RATE}/s, unpaced ${CONC} in flight`);
  console.log(`machine: ${cpus().length} cores; before: ${uptimeBefore}\n                   after:  ${uptimeAfter}`);
  console.log(`per-key limits raised on this gateway for the load (defaults are for public use): ${Object.entries(RAISED_LIMITS).map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
  console.log("run                          p50 ms   p99 ms  ack p99  completions/s  CPU ms/completion  load1  missed");
  for (const r of runs) {
    console.log(
      `${`r${r.round} ${r.kind} ${r.system}`.padEnd(27)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(8)} ${String(r.ackP99).padStart(8)} ${String(r.completionsPerSecond).padStart(14)} ${r.cpuMsPerCompletion.toFixed(3).padStart(18)} ${r.load1.toFixed(2).padStart(6)} ${String(r.missed).padStart(7)}`,
    );
  }
  console.log(`\nmedians                                            this gateway   baseline   ratio`);
  for (const t of table) console.log(`${t.name.padEnd(50)} ${String(t.product).padStart(12)} ${String(t.baseline).padStart(10)} ${String(t.ratio).padStart(7)}`);
  console.log(`replica RSS after the runs (MB): this gateway ${rss.product!.join(", ")}; baseline ${rss.baseline!.join(", ")}`);
  console.log(`missed completions: this gateway ${missed.product}, baseline ${missed.baseline}`);
  console.log(
    `targets: paced p99 <= 1.5x baseline: ${targets.pacedP99.met ? "met" : "NOT met"} (${targets.pacedP99.ratio}x); unpaced throughput >= 0.8x: ${targets.unpacedThroughput.met ? "met" : "NOT met"} (${targets.unpacedThroughput.ratio}x); no missed completion: ${targets.noMissedCompletion.met ? "met" : "NOT met"}`,
  );
  const result = { at: new Date().toISOString(), machine: { cores: cpus().length, node: process.version }, uptimeBefore, uptimeAfter, options: { reps: REPS, n: N, rate: RATE, concurrency: CONC, warmup: WARMUP }, raisedLimits: RAISED_LIMITS, runs, medians: table, rssMb: rss, missed, targets };
  const file = join(root, "bench", "out", `fanout-${STAMP}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  console.log(`results: ${file} (load summaries and server logs in ${OUT_DIR})`);
  process.exitCode = targets.noMissedCompletion.met ? 0 : 1;
}

main()
  .catch(async (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
