import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDataDir } from "../../src/jobs/sqlite/db.js";
import { SqliteQueue } from "../../src/jobs/sqlite/queue.js";
import { BullJobQueue } from "../../src/jobs/redis/queue.js";
import type { JobQueue } from "../../src/jobs/types.js";
import { REDIS_URL, uniquePrefix } from "../helpers/gateway.js";

// Both queue adapters retry a failing job, then give up exactly once, so the job can be
// ended as FAILED instead of staying RUNNING.
const connections: Redis[] = [];
afterAll(() => connections.forEach((c) => c.disconnect()));

async function exercise(queue: JobQueue) {
  const attempts: number[] = [];
  const gaveUp: string[] = [];
  await queue.consume(
    async (_id, attempt) => {
      attempts.push(attempt);
      throw new Error(`attempt ${attempt} failed`);
    },
    1,
    async (id, reason) => void gaveUp.push(`${id}: ${reason}`),
  );
  await queue.enqueue("job-that-always-fails");
  const t0 = Date.now();
  while (gaveUp.length === 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500)); // nothing more arrives afterwards
  await queue.close();
  return { attempts, gaveUp };
}

describe("queues give up after their attempts", () => {
  it("in SQLite (embedded mode)", async () => {
    const root = mkdtempSync(join(tmpdir(), "iag-queue-"));
    const dir = openDataDir(root);
    const queue = new SqliteQueue(dir.db, "analysis", { backoffMs: (a) => 200 * a, maxAttempts: 3, maxStalls: 5 });
    const { attempts, gaveUp } = await exercise(queue).finally(() => (dir.close(), rmSync(root, { recursive: true, force: true })));
    expect(attempts).toEqual([1, 2, 3]);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(/job-that-always-fails: .*attempt 3 failed/);
  });

  it("on BullMQ with a real Redis", async () => {
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(connection);
    const { attempts, gaveUp } = await exercise(new BullJobQueue(connection, uniquePrefix(), { lockMs: 5000 }));
    expect(attempts).toEqual([1, 2, 3]);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(/job-that-always-fails: attempt 3 failed/);
  });
});

describe("the SQLite queue across process deaths", () => {
  it("runs an item that was running when the process died again, and gives up on one that keeps killing it", async () => {
    const root = mkdtempSync(join(tmpdir(), "iag-queue-"));
    try {
      // A "process" is a data directory opened and left without close(), as after SIGKILL.
      let dir = openDataDir(root);
      const opts = { backoffMs: () => 10, maxAttempts: 3, maxStalls: 5 };
      const hang = () => new Promise<void>(() => undefined); // the handler never returns: the process "dies" running it
      let q = new SqliteQueue(dir.db, "analysis", opts);
      await q.enqueue("crashes-the-process");
      await q.enqueue("survives");
      await q.consume(hang, 2);
      const gaveUp: string[] = [];
      const ran: { id: string; attempt: number }[] = [];
      for (let restart = 1; restart <= 6; restart++) {
        dir.db.close(); // the next process opens the same files
        dir = openDataDir(root);
        q = new SqliteQueue(dir.db, "analysis", opts);
        await q.consume(
          async (id, attempt) => {
            ran.push({ id, attempt });
            if (id === "crashes-the-process") return hang();
          },
          2,
          async (id, reason) => void gaveUp.push(`${id}: ${reason}`),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      // the interrupted item ran again (at least once) and finished; the crasher was retried 5 times, then given up
      expect(ran.filter((r) => r.id === "survives")).toHaveLength(1);
      expect(ran.filter((r) => r.id === "crashes-the-process")).toHaveLength(5);
      expect(gaveUp).toEqual([expect.stringMatching(/^crashes-the-process: gave up after the process died 6 times/)]);
      expect(q.size()).toBe(0);
      dir.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
