/**
 * The embedded-mode database: one SQLite file, DATA_DIR/gateway.sqlite, shared by the job
 * store, the two queues (analysis, webhook deliveries), the delivery states and the uploads.
 * Audio and uploads are plain files beside it (DATA_DIR/audio, DATA_DIR/uploads).
 *
 * WAL journal with synchronous=FULL: every committed transaction is fsynced before the call
 * returns, so what a 202 or 201 acknowledged survives a SIGKILL, a kernel panic and a power
 * cut (NORMAL would survive a SIGKILL too but could lose the last commits on power loss; the
 * write rate here — a few rows per job plus progress ticks — is far below what FULL costs).
 * better-sqlite3 is synchronous: each statement is atomic with respect to this process's
 * event loop, which is what makes the compare-and-set updates and queue claims simple.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  request_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  audio_file TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner);
CREATE INDEX IF NOT EXISTS jobs_expiry ON jobs(expires_at);
CREATE TABLE IF NOT EXISTS replay_marks (message_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queue_items (
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  run_at INTEGER NOT NULL,
  running INTEGER NOT NULL DEFAULT 0,
  stalls INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (queue, id)
);
CREATE INDEX IF NOT EXISTS queue_due ON queue_items(queue, running, run_at);
CREATE TABLE IF NOT EXISTS webhook_deliveries (request_id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  format TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_expiry ON uploads(expires_at);
`;

export interface DataDir {
  db: Db;
  root: string;
  audioDir: string;
  uploadDir: string;
  close(): void;
}

/** The data directory cannot be used (held by another process, not writable); start-up stops with this message. */
export class DataDirError extends Error {
  override readonly name = "DataDirError";
}

/** True when a process with this pid is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Opens (creating when needed) the data directory. Refuses a directory another live gateway
 * process holds: two processes consuming one queue would run every job twice.
 */
export function openDataDir(root: string): DataDir {
  const audioDir = join(root, "audio");
  const uploadDir = join(root, "uploads");
  try {
    for (const d of [root, audioDir, uploadDir]) mkdirSync(d, { recursive: true });
  } catch (err) {
    throw new DataDirError(`DATA_DIR ${root} cannot be created: ${(err as Error).message}`);
  }
  const lockFile = join(root, "gateway.pid");
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new DataDirError(`DATA_DIR ${root} is in use by another gateway process (pid ${pid}); give each embedded gateway its own DATA_DIR`);
    }
  }
  writeFileSync(lockFile, String(process.pid));
  const db = new Database(join(root, "gateway.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  let closed = false;
  return {
    db,
    root,
    audioDir,
    uploadDir,
    close() {
      if (closed) return;
      closed = true;
      db.close();
      try {
        if (readFileSync(lockFile, "utf8").trim() === String(process.pid)) unlinkSync(lockFile);
      } catch {
        /* already gone */
      }
    },
  };
}

/** Makes a just-written file's bytes durable (fdatasync: the data, not the timestamps). */
export function fsyncFile(path: string) {
  const fd = openSync(path, "r+");
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a directory, so a file created or renamed in it survives a power cut. */
export function fsyncDir(path: string) {
  try {
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems refuse fsync on directories; the data itself is synced */
  }
}
