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
