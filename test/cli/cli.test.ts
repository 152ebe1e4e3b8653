import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, waitForHttp } from "../faults/helpers.js";
import { spawnEntry, stop } from "../helpers/processes.js";

// The command-line tool as a user runs it (`npx interaction-analytics`), on real audio.
const root = fileURLToPath(new URL("../..", import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [`${root}/bin/interaction-analytics.mjs`, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, TRANSCRIBER: "none" },
    timeout: 120_000,
  });

describe("interaction-analytics analyze", () => {
  it("prints the DeepAffects response as JSON for a stereo call", () => {
    const r = run("analyze", "test/fixtures/stereo-call.wav", "--stereo", "--json");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.num_speakers).toBe(2);
    expect(out.talk_to_listen_ratio).toHaveLength(2);
    expect(out.interruptions).toHaveLength(1);
    expect(out.segments[0]).toMatchObject({ speaker_id: expect.any(String), start: expect.any(Number), end: expect.any(Number) });
  });

  it("prints a readable summary, honouring --metrics", () => {
    const r = run("analyze", "test/fixtures/mono-two-voices.wav", "--speakers", "2", "--metrics", "talk_to_listen_ratio");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/speakers: 2/);
    expect(r.stdout).toMatch(/talk:listen/);
  });

  it("says what is wrong, without a stack trace, for a missing or broken file", () => {
    const missing = run("analyze", "no-such-file.wav");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/error: no such file: no-such-file.wav/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const usage = run("analyze");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: interaction-analytics analyze/);
  });
});

describe("interaction-analytics submit (against a real gateway process)", () => {
  const KEY = "cli-submit-key-0123";
  let gateway: ChildProcess | undefined;
  let server = "";
  const dataDir = mkdtempSync(join(tmpdir(), "iag-cli-"));
  beforeAll(async () => {
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    gateway = spawnEntry("main", { PORT: String(port), API_KEYS: KEY, HOST: "127.0.0.1", DATA_DIR: dataDir });
    await waitForHttp(`${server}/healthz`);
  });
  afterAll(async () => {
    await stop(gateway);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("uploads the file, waits on the subscription and prints the same JSON as analyze", () => {
    const remote = run("submit", "test/fixtures/stereo-call.wav", "--server", server, "--key", KEY, "--stereo", "--json");
    expect(remote.status, remote.stderr).toBe(0);
    const local = run("analyze", "test/fixtures/stereo-call.wav", "--stereo", "--json");
    expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
  });

  it("prints the summary, and one error line for a wrong key or a missing --server", () => {
    const ok = run("submit", "test/fixtures/mono-two-voices.wav", "--server", server, "--key", KEY, "--speakers", "2");
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/speakers: 2/);
    const wrong = run("submit", "test/fixtures/mono-two-voices.wav", "--server", server, "--key", "wrong-key-12345");
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^error: upload refused \(HTTP 401\)/);
    const noServer = run("submit", "test/fixtures/mono-two-voices.wav");
    expect(noServer.status).toBe(2);
    expect(noServer.stderr).toMatch(/submit needs --server/);
  });
});
