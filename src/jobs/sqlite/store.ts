import { createHash } from "node:crypto";
import { copyFileSync, existsSync, linkSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, UserInputError } from "../../errors/codes.js";
import { paginate } from "../cursor.js";
import { isFinal, type JobRecord, type JobStatus, type JobStore, type ListPage, type StoredAudio } from "../types.js";
import { fsyncDir, fsyncFile, type DataDir } from "./db.js";

/** Files nobody references (a crash between writing a file and committing its row) are removed after this. */
const ORPHAN_AGE_MS = 3600_000;

/**
 * Embedded-mode job store: job records in SQLite, each job's audio (submitted content or
 * an upload, hard-linked) as a file under DATA_DIR/audio. Everything expires after the job
 * TTL: a sweep every minute deletes expired rows and their files.
 */
export class SqliteJobStore implements JobStore {
  private sweeper: NodeJS.Timeout;
  private readonly db;

  constructor(
    private readonly dir: DataDir,
    private readonly ttlSeconds: number,
    sweepEveryMs = 60_000,
  ) {
    this.db = dir.db;
    this.sweep();
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  /** Deletes expired jobs (and their audio), replay marks and delivery states, and files no row references. */
  sweep(now = Date.now()) {
    const expired = this.db.prepare("SELECT request_id, audio_file FROM jobs WHERE expires_at <= ?").all(now) as { request_id: string; audio_file: string | null }[];
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM jobs WHERE expires_at <= ?").run(now);
      this.db.prepare("DELETE FROM replay_marks WHERE expires_at <= ?").run(now);
      this.db.prepare("DELETE FROM webhook_deliveries WHERE expires_at <= ?").run(now);
    })();
    for (const j of expired) if (j.audio_file) rmSync(join(this.dir.audioDir, j.audio_file), { force: true });
    const referenced = new Set((this.db.prepare("SELECT audio_file FROM jobs WHERE audio_file IS NOT NULL").all() as { audio_file: string }[]).map((r) => r.audio_file));
    for (const f of readdirSync(this.dir.audioDir)) {
      if (referenced.has(f)) continue;
      const p = join(this.dir.audioDir, f);
      try {
        if (now - statSync(p).mtimeMs > ORPHAN_AGE_MS) rmSync(p, { force: true });
      } catch {
        /* removed meanwhile */
      }
    }
  }

  /** The audio file's name: derived from the requestId (any string the pattern allows, "." and ".." included) and the input. */
  private audioName(job: JobRecord) {
    return `${createHash("sha256").update(job.requestId).digest("hex").slice(0, 32)}-${job.inputHash.slice(0, 16)}`;
  }

  private row(requestId: string): { data: string; audio_file: string | null } | undefined {
    return this.db.prepare("SELECT data, audio_file FROM jobs WHERE request_id = ? AND expires_at > ?").get(requestId, Date.now()) as
      | { data: string; audio_file: string | null }
      | undefined;
  }

  async create(job: JobRecord, audio?: Buffer) {
    // An expired record of this requestId that the sweep has not reached yet frees the id now.
    const stale = this.db.prepare("SELECT audio_file FROM jobs WHERE request_id = ? AND expires_at <= ?").get(job.requestId, Date.now()) as { audio_file: string | null } | undefined;
    if (stale) {
      this.db.prepare("DELETE FROM jobs WHERE request_id = ?").run(job.requestId);
      if (stale.audio_file) rmSync(join(this.dir.audioDir, stale.audio_file), { force: true });
    }
    const existing = await this.get(job.requestId);
    if (existing) return { created: false as const, existing };
    let audioFile: string | null = null;
    if (audio || job.source.kind === "upload") {
      audioFile = this.audioName(job);
      const path = join(this.dir.audioDir, audioFile);
      if (audio) {
        writeFileSync(path, audio);
        fsyncFile(path);
      } else if (job.source.kind === "upload") {
        // A hard link: no copy, and the job's audio outlives the upload's own expiry.
        const from = join(this.dir.uploadDir, job.source.uploadId);
        if (!existsSync(from)) throw new UserInputError(`uploadId: no upload "${job.source.uploadId}" for this API key`, "uploadId", ErrorCode.NOT_FOUND);
        if (!existsSync(path)) {
          try {
            linkSync(from, path);
          } catch {
            copyFileSync(from, path);
            fsyncFile(path);
          }
        }
      }
      fsyncDir(this.dir.audioDir);
    }
    const inserted = this.db
      .prepare("INSERT OR IGNORE INTO jobs (request_id, owner, status, version, expires_at, audio_file, data) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(job.requestId, job.owner, job.status, job.version, Date.now() + this.ttlSeconds * 1000, audioFile, JSON.stringify(job));
    if (inserted.changes === 1) return { created: true as const };
    // A concurrent create of the same requestId won. Its audio file has the same name only
    // when its input is the same (the name carries the input hash): then it is the same bytes.
    const winner = this.row(job.requestId);
    if (audioFile && winner?.audio_file !== audioFile) rmSync(join(this.dir.audioDir, audioFile), { force: true });
    if (!winner) throw new Error(`job ${job.requestId}: created concurrently and expired at once`);
    return { created: false as const, existing: JSON.parse(winner.data) as JobRecord };
  }

  async get(requestId: string) {
    const r = this.row(requestId);
    return r ? (JSON.parse(r.data) as JobRecord) : undefined;
  }

  async update(requestId: string, patch: Partial<JobRecord>) {
    // Read and write without an await in between: atomic for this process, the only writer.
    const r = this.row(requestId);
    if (!r) return undefined;
    const current = JSON.parse(r.data) as JobRecord;
    if (isFinal(current.status)) return { final: current };
    const next: JobRecord = { ...current, ...patch, version: current.version + 1 };
    for (const k of Object.keys(patch) as (keyof JobRecord)[]) if (patch[k] === undefined) delete next[k];
    this.db.prepare("UPDATE jobs SET status = ?, version = ?, data = ? WHERE request_id = ?").run(next.status, next.version, JSON.stringify(next), requestId);
    return { updated: next };
  }

  async list(owner: string, first: number, after?: string, status?: JobStatus): Promise<ListPage> {
    const rows = this.db.prepare("SELECT data FROM jobs WHERE owner = ? AND expires_at > ?").all(owner, Date.now()) as { data: string }[];
    return paginate(rows.map((r) => JSON.parse(r.data) as JobRecord), first, after, status);
  }

  private audioPath(requestId: string): string | undefined {
    const f = this.row(requestId)?.audio_file;
    const p = f ? join(this.dir.audioDir, f) : undefined;
    return p && existsSync(p) ? p : undefined;
  }

  async getAudio(requestId: string) {
    const p = this.audioPath(requestId);
    return p ? readFileSync(p) : undefined;
  }

  async openAudio(requestId: string): Promise<StoredAudio | undefined> {
    const path = this.audioPath(requestId);
    return path ? { path, release: async () => undefined } : undefined;
  }

  /** Audio now expires with its job (the results page plays it after completion). */
  async deleteAudio(_requestId: string) {}

  async markDelivery(messageId: string, ttlSeconds: number) {
    const now = Date.now();
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT expires_at FROM replay_marks WHERE message_id = ?").get(messageId) as { expires_at: number } | undefined;
      if (row && row.expires_at > now) return false;
      this.db.prepare("INSERT OR REPLACE INTO replay_marks (message_id, expires_at) VALUES (?, ?)").run(messageId, now + ttlSeconds * 1000);
      return true;
    })();
  }

  async forgetDelivery(messageId: string) {
    this.db.prepare("DELETE FROM replay_marks WHERE message_id = ?").run(messageId);
  }

  async ping() {
    this.db.prepare("SELECT 1").get();
  }

  async close() {
    clearInterval(this.sweeper);
  }
}
