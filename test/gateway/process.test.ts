import { afterAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnEntry, stop } from "../helpers/processes.js";

// The real `npm start` entry point as a process.
const children: ChildProcess[] = [];
afterAll(async () => Promise.all(children.map((c) => stop(c))));

const waitFor = async (pred: () => boolean, ms = 15_000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("gateway process", () => {
  it("refuses to start with NODE_ENV=production and no API_KEYS, saying why", async () => {
    const child = spawnEntry("main", { NODE_ENV: "production", PORT: "0" });
    children.push(child);
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(code).toBe(2);
    expect(child.output()).toMatch(/API_KEYS: required when NODE_ENV=production/);
  });

  it("serves Apollo Sandbox in production, warns when open, and stops cleanly on SIGTERM", async () => {
    const port = String(41000 + Math.floor(Math.random() * 2000));
    const child = spawnEntry("main", { NODE_ENV: "production", API_KEYS: "prod-key-123456", HOST: "127.0.0.1", PORT: port, LOG_LEVEL: "info" });
    children.push(child);
    await waitFor(() => /ready/.test(child.output()));
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/embeddable-sandbox|sandbox/i);
    const health = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(health.status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(child.output()).not.toMatch(/prod-key-123456/); // the key is never logged
  });

  it("announces that it runs open on 127.0.0.1 when no keys are set", async () => {
    const child = spawnEntry("main", { PORT: "0", LOG_LEVEL: "info" });
    children.push(child);
    await waitFor(() => /API_KEYS is not set/.test(child.output()));
    expect(child.output()).toMatch(/127\.0\.0\.1/);
  });

  it("refuses a DATA_DIR another live gateway holds, saying why", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "iag-lock-"));
    try {
      const first = spawnEntry("main", { PORT: "0", LOG_LEVEL: "info", DATA_DIR: dataDir });
      children.push(first);
      await waitFor(() => /ready/.test(first.output()));
      const second = spawnEntry("main", { PORT: "0", DATA_DIR: dataDir });
      children.push(second);
      const code = await new Promise<number | null>((r) => second.once("exit", r));
      expect(code).toBe(2);
      expect(second.output()).toMatch(/DATA_DIR .* is in use by another gateway process/);
      expect(second.output()).not.toMatch(/\n\s+at /);
      await stop(first);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
