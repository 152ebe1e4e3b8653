/** Real processes for fault tests: compiled gateway / worker entries and private Redis servers. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
export type Proc = ChildProcess & { output: () => string; exited: Promise<number | null> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function track(child: ChildProcess): Proc {
  let out = "";
  child.stdout?.on("data", (d) => (out = (out + d).slice(-200_000)));
  child.stderr?.on("data", (d) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return Object.assign(child, { output: () => out, exited });
}

/** Spawns dist/src/<name>.js (run `npm run build` first; `npm run test:faults` does). */
export function spawnEntry(name: "main" | "worker-main", env: Record<string, string>): Proc {
  const entry = join(root, "dist/src", `${name}.js`);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\``);
  // an embedded gateway without a DATA_DIR gets a temporary one (removed when it exits), never ./data
  const own = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), "iag-proc-"));
  const child = track(
    spawn(process.execPath, [entry], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", TRANSCRIBER: "none", ...(own ? { DATA_DIR: own } : {}), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  if (own) child.once("exit", () => rmSync(own, { recursive: true, force: true }));
  return child;
}

export async function waitForHttp(url: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Starts a gateway process on a free port and waits until it answers. */
export async function startGatewayProcess(env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnEntry("main", { PORT: String(port), PUBLIC_URL: url, ...env });
  try {
    await waitForHttp(`${url}/healthz`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  }
  return { url, port, proc };
}

export async function kill(p: Proc | undefined, signal: NodeJS.Signals = "SIGKILL") {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill(signal);
  await Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}

/** A private redis-server on a free port with its own data directory (AOF on, so a restart keeps the data). */
export async function startRedis(existing?: { port: number; dir: string }) {
  const port = existing?.port ?? (await freePort());
  const dir = existing?.dir ?? mkdtempSync(join(tmpdir(), "iag-redis-"));
  const proc = track(
    spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction"], {
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const end = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.write("PING\r\n");
        sock.once("data", (d: Buffer) => {
          sock.destroy();
          resolve(d.toString().startsWith("+PONG"));
        });
      });
      sock.once("error", () => resolve(false));
    });
    if (up) break;
    if (Date.now() > end) throw new Error(`redis-server did not start: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    proc,
    /** Stops it (SIGTERM: flushes the AOF) and waits for the exit. */
    async stop() {
      await kill(proc, "SIGTERM");
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
