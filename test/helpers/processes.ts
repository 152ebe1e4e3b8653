import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Spawns a compiled entry point (dist/src/<name>.js) as a real process; `npm test` builds first.
 * Without a DATA_DIR it gets a temporary one of its own (removed when it exits), never ./data.
 */
export function spawnEntry(name: "main" | "worker-main", env: Record<string, string>): ChildProcess & { output: () => string } {
  const entry = `${root}/dist/src/${name}.js`;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (npm test does it)`);
  const own = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), "iag-proc-"));
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", TRANSCRIBER: "none", ...(own ? { DATA_DIR: own } : {}), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (own) child.once("exit", () => rmSync(own, { recursive: true, force: true }));
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

export async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM") {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
