import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDataDir, type DataDir } from "../../src/jobs/sqlite/db.js";
import { SqliteJobStore } from "../../src/jobs/sqlite/store.js";
import type { JobRecord } from "../../src/jobs/types.js";

// The embedded-mode store on a real SQLite file: what one process wrote, the next one reads.
let root: string;
let dir: DataDir | undefined;
afterEach(() => {
  dir?.close();
  rmSync(root, { recursive: true, force: true });
});

const job = (requestId: string, inputHash: string): JobRecord => ({
  requestId,
  owner: "key_1",
  status: "QUEUED",
  progress: 0,
  submittedAt: new Date().toISOString(),
  options: { encoding: "WAV", sampleRate: 16000, languageCode: "en-US", metrics: ["talk_to_listen_ratio"], speakers: -1, separateSpeakerPerChannel: false },
  source: { kind: "content", bytes: 4 },
  inputHash,
  api: "interaction-analytics",
  version: 1,
});

describe("SqliteJobStore", () => {
  it("keeps jobs, updates and audio across a reopen (a restart)", async () => {
    root = mkdtempSync(join(tmpdir(), "iag-store-"));
    dir = openDataDir(root);
    let store = new SqliteJobStore(dir, 3600);
    await store.create(job("a", "h".repeat(64)), Buffer.from([1, 2, 3, 4]));
    await store.update("a", { status: "RUNNING", progress: 0.5, stage: "scan" });
    await store.close();
    dir.db.close(); // no clean close(), as after SIGKILL
    dir = openDataDir(root);
    store = new SqliteJobStore(dir, 3600);
    expect(await store.get("a")).toMatchObject({ status: "RUNNING", progress: 0.5, stage: "scan", version: 2 });
    expect([...(await store.getAudio("a"))!]).toEqual([1, 2, 3, 4]);
    const done = await store.update("a", { status: "COMPLETED", progress: 1, stage: undefined });
    expect(done && "updated" in done).toBe(true);
    expect(done && "updated" in done ? done.updated!.stage : "not updated").toBeUndefined();
    expect(await store.update("a", { status: "FAILED" })).toMatchObject({ final: { status: "COMPLETED" } });
    await store.close();
  });

  it("two concurrent creates of one requestId: one wins, the other gets it, no stray audio file", async () => {
    root = mkdtempSync(join(tmpdir(), "iag-store-"));
    dir = openDataDir(root);
    const store = new SqliteJobStore(dir, 3600);
    const [x, y] = await Promise.all([store.create(job("same", "1".repeat(64)), Buffer.from("one")), store.create(job("same", "2".repeat(64)), Buffer.from("two"))]);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(readdirSync(dir.audioDir)).toHaveLength(1);
    const winner = (await store.get("same"))!;
    expect((await store.getAudio("same"))!.toString()).toBe(winner.inputHash.startsWith("1") ? "one" : "two");
    await store.close();
  });

  it("an expired job is gone at once and its id can be used again", async () => {
    root = mkdtempSync(join(tmpdir(), "iag-store-"));
    dir = openDataDir(root);
    const store = new SqliteJobStore(dir, 3600);
    await store.create(job("old", "3".repeat(64)), Buffer.from("old"));
    dir.db.prepare("UPDATE jobs SET expires_at = ?").run(Date.now() - 1);
    expect(await store.get("old")).toBeUndefined();
    expect((await store.create(job("old", "4".repeat(64)), Buffer.from("new"))).created).toBe(true);
    expect((await store.getAudio("old"))!.toString()).toBe("new");
    expect(readdirSync(dir.audioDir)).toHaveLength(1);
    await store.close();
  });
});
