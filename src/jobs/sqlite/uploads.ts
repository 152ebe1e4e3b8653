import { randomBytes } from "node:crypto";
import { readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { UploadRecord, UploadStore } from "../types.js";
import { fsyncDir, type DataDir } from "./db.js";
import { UploadSink, uploadTooLarge } from "../uploads.js";

const ORPHAN_AGE_MS = 3600_000;

/**
 * Embedded-mode uploads: the body is streamed to DATA_DIR/uploads/<id>.part, fsynced, renamed
 * to <id> and only then recorded, so a crash mid-upload leaves no upload (the sweep removes
 * the partial file). Expires after the job TTL; a job made from it keeps a hard link.
 */
export class SqliteUploadStore implements UploadStore {
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly dir: DataDir,
    private readonly ttlSeconds: number,
    sweepEveryMs = 60_000,
  ) {
    this.sweep();
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  async put(owner: string, body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<UploadRecord> {
    const uploadId = `upl_${randomBytes(16).toString("hex")}`;
    const part = join(this.dir.uploadDir, `${uploadId}.part`);
    const file = await open(part, "wx");
    const sink = new UploadSink();
    try {
      for await (const chunk of body) {
        sink.add(chunk);
        if (sink.bytes > maxBytes) throw uploadTooLarge(maxBytes);
        await file.write(chunk);
      }
      sink.assertNotEmpty();
      await file.datasync();
    } catch (err) {
      await file.close().catch(() => undefined);
      rmSync(part, { force: true });
      throw err;
    }
    await file.close();
    renameSync(part, join(this.dir.uploadDir, uploadId));
    fsyncDir(this.dir.uploadDir);
    const rec: UploadRecord = { uploadId, owner, bytes: sink.bytes, sha256: sink.sha256(), format: sink.format(), createdAt: new Date().toISOString() };
    this.dir.db
      .prepare("INSERT INTO uploads (upload_id, owner, bytes, sha256, format, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(uploadId, owner, rec.bytes, rec.sha256, rec.format, rec.createdAt, Date.now() + this.ttlSeconds * 1000);
    return rec;
  }

  async get(uploadId: string): Promise<UploadRecord | undefined> {
    const r = this.dir.db
      .prepare("SELECT upload_id, owner, bytes, sha256, format, created_at FROM uploads WHERE upload_id = ? AND expires_at > ?")
      .get(uploadId, Date.now()) as { upload_id: string; owner: string; bytes: number; sha256: string; format: string; created_at: string } | undefined;
    return r && { uploadId: r.upload_id, owner: r.owner, bytes: r.bytes, sha256: r.sha256, format: r.format, createdAt: r.created_at };
  }

  /** Deletes expired uploads and their files, and partial or unrecorded files older than an hour. */
  sweep(now = Date.now()) {
    const db = this.dir.db;
    const expired = db.prepare("SELECT upload_id FROM uploads WHERE expires_at <= ?").all(now) as { upload_id: string }[];
    db.prepare("DELETE FROM uploads WHERE expires_at <= ?").run(now);
    for (const u of expired) rmSync(join(this.dir.uploadDir, u.upload_id), { force: true });
    const known = new Set((db.prepare("SELECT upload_id FROM uploads").all() as { upload_id: string }[]).map((r) => r.upload_id));
    for (const f of readdirSync(this.dir.uploadDir)) {
      if (known.has(f)) continue;
      const p = join(this.dir.uploadDir, f);
      try {
        if (now - statSync(p).mtimeMs > ORPHAN_AGE_MS) rmSync(p, { force: true });
      } catch {
        /* removed meanwhile */
      }
    }
  }

  close() {
    clearInterval(this.sweeper);
  }
}
