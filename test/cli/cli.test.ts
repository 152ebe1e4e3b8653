import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
