/**
 * A durable work queue in SQLite (embedded mode): the stand-in for a BullMQ queue, with the
 * same rules. An id queued, waiting for a retry or running is not queued twice; a failed run
 * is retried after backoff up to `maxAttempts`, then given up (once). A row survives the
 * process: items that were running when the process died (SIGKILL, crash, power cut) run
 * again at the next start (at least once), and one that was running at `maxStalls + 1` deaths
 * is given up — a job that keeps killing the process ends instead of looping forever, as
 * BullMQ's maxStalledCount does.
 */
import type { Db } from "./db.js";

export type QueueHandler = (id: string, attempt: number) => Promise<void>;
export type QueueGiveUp = (id: string, reason: string) => Promise<void>;

export interface SqliteQueueOptions {
  /** Delay before attempt `attempt + 1`, after attempt `attempt` failed. */
  backoffMs: (attempt: number) => number;
  maxAttempts: number;
  /** Deaths of the process while running an item before it is given up. */
  maxStalls: number;
}

interface Row {
  id: string;
  attempt: number;
  run_at: number;
  stalls: number;
}

export class SqliteQueue {
  private handler?: QueueHandler;
  private onGiveUp?: QueueGiveUp;
  private concurrency = 1;
  private running = new Set<string>();
  private closed = false;
  private timer?: NodeJS.Timeout;
  private idle: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly name: string,
    private readonly opts: SqliteQueueOptions,
  ) {}

  async enqueue(id: string) {
    this.db.prepare("INSERT OR IGNORE INTO queue_items (queue, id, attempt, run_at) VALUES (?, ?, 1, ?)").run(this.name, id, Date.now());
    this.pump();
  }

  /** Items of this queue in the database (waiting, delayed or running). */
  size(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM queue_items WHERE queue = ?").get(this.name) as { n: number }).n;
  }

  async consume(handler: QueueHandler, concurrency: number, onGiveUp?: QueueGiveUp) {
    this.handler = handler;
    this.onGiveUp = onGiveUp;
    this.concurrency = concurrency;
    // Items marked running belong to a process that died: count the stall, run them again.
    const stalled = this.db.prepare("SELECT id, attempt, run_at, stalls FROM queue_items WHERE queue = ? AND running = 1").all(this.name) as Row[];
    for (const r of stalled) {
      if (r.stalls + 1 > this.opts.maxStalls) {
        this.remove(r.id);
        void this.onGiveUp?.(r.id, `gave up after the process died ${r.stalls + 1} times while running it`).catch(() => undefined);
      } else {
        this.db.prepare("UPDATE queue_items SET running = 0, stalls = stalls + 1, run_at = ? WHERE queue = ? AND id = ?").run(Date.now(), this.name, r.id);
      }
    }
    this.pump();
  }

  private remove(id: string) {
    this.db.prepare("DELETE FROM queue_items WHERE queue = ? AND id = ?").run(this.name, id);
  }

  private pump() {
    if (this.closed || !this.handler) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.running.size < this.concurrency) {
      // Claimed and marked running in one synchronous step: nothing else runs in between.
      const row = this.db
        .prepare("SELECT id, attempt, run_at, stalls FROM queue_items WHERE queue = ? AND running = 0 AND run_at <= ? ORDER BY run_at, rowid LIMIT 1")
        .get(this.name, now) as Row | undefined;
      if (!row) break;
      this.db.prepare("UPDATE queue_items SET running = 1 WHERE queue = ? AND id = ?").run(this.name, row.id);
      this.run(row);
    }
    if (this.running.size < this.concurrency) {
      const next = this.db.prepare("SELECT MIN(run_at) AS t FROM queue_items WHERE queue = ? AND running = 0").get(this.name) as { t: number | null };
      if (next.t !== null) {
        this.timer = setTimeout(() => this.pump(), Math.max(0, next.t - Date.now()) + 5);
        this.timer.unref();
      }
    }
  }

  private run(row: Row) {
    this.running.add(row.id);
    this.handler!(row.id, row.attempt)
      .then(
        () => this.remove(row.id),
        (err: Error) => {
          // Stopping: leave it for the next start, without counting this as an attempt or a stall.
          if (this.closed) return void this.db.prepare("UPDATE queue_items SET running = 0 WHERE queue = ? AND id = ?").run(this.name, row.id);
          if (row.attempt >= this.opts.maxAttempts) {
            this.remove(row.id);
            void this.onGiveUp?.(row.id, `gave up after ${row.attempt} attempts: ${err?.message}`).catch(() => undefined);
            return;
          }
          this.db
            .prepare("UPDATE queue_items SET running = 0, attempt = attempt + 1, run_at = ? WHERE queue = ? AND id = ?")
            .run(Date.now() + this.opts.backoffMs(row.attempt), this.name, row.id);
        },
      )
      .catch(() => undefined) // the database closed under us: the row stays for the next start
      .finally(() => {
        this.running.delete(row.id);
        if (this.running.size === 0) this.idle.splice(0).forEach((f) => f());
        this.pump();
      });
  }

  /** Stops taking work and waits for the running handlers to finish. */
  async close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.running.size > 0) await new Promise<void>((r) => this.idle.push(r));
  }
}
