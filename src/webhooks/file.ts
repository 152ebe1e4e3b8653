/**
 * Embedded-mode signing keys: one small JSON file, DATA_DIR/webhook-signing.json (mode 0600),
 * holding the master secret and each rotated owner's generation. It is created once (a
 * hard link of a fully written temporary file, so two processes starting together end up
 * with the same master) and replaced atomically (write, fsync, rename) on every rotation.
 * One gateway process per DATA_DIR: the state is cached after the first read.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { MASTER_SECRET_BYTES, type OwnerKeyState, type SigningKeyStore } from "./secrets.js";

interface FileState {
  version: 1;
  /** base64 of MASTER_SECRET_BYTES random bytes. */
  master: string;
  owners: Record<string, OwnerKeyState>;
}

export const SIGNING_FILE = "webhook-signing.json";

export class FileSigningKeyStore implements SigningKeyStore {
  private loaded?: Promise<FileState>;
  /** Rotations run one at a time (read-modify-write of the file). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  get path() {
    return join(this.dir, SIGNING_FILE);
  }

  async master() {
    return Buffer.from((await this.load()).master, "base64");
  }

  async state(owner: string): Promise<OwnerKeyState> {
    return structuredClone((await this.load()).owners[owner] ?? { generation: 0 });
  }

  rotate(owner: string, untilMs: number): Promise<OwnerKeyState> {
    const next = this.chain.then(async () => {
      const s = await this.load();
      const current = s.owners[owner]?.generation ?? 0;
      const updated: FileState = { ...s, owners: { ...s.owners, [owner]: { generation: current + 1, previous: { generation: current, untilMs } } } };
      await this.write(updated, "replace");
      this.loaded = Promise.resolve(updated);
      return structuredClone(updated.owners[owner]!);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private load(): Promise<FileState> {
    this.loaded ??= this.readOrCreate().catch((err) => {
      this.loaded = undefined; // try again next time (e.g. the disk was full)
      throw err;
    });
    return this.loaded;
  }

  private async readOrCreate(): Promise<FileState> {
    const existing = await this.read();
    if (existing) return existing;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const fresh: FileState = { version: 1, master: randomBytes(MASTER_SECRET_BYTES).toString("base64"), owners: {} };
    const created = await this.write(fresh, "create");
    // lost the race to another process: its master is the one
    return created ? fresh : ((await this.read()) ?? fresh);
  }

  private async read(): Promise<FileState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const s = JSON.parse(text) as FileState;
    if (s.version !== 1 || Buffer.from(s.master ?? "", "base64").length !== MASTER_SECRET_BYTES || typeof s.owners !== "object") {
      throw new Error(`${this.path} is not a webhook signing key file this version understands; move it away to start with new secrets`);
    }
    return s;
  }

  /** Writes `s` durably; "create" only if the file does not exist yet (returns false when it did). */
  private async write(s: FileState, how: "create" | "replace"): Promise<boolean> {
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(JSON.stringify(s, null, 2) + "\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      if (how === "replace") {
        await rename(tmp, this.path);
      } else {
        try {
          await link(tmp, this.path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
          throw err;
        }
      }
      await syncDir(this.dir);
      return true;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}

async function syncDir(dir: string) {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } catch {
    /* some file systems cannot fsync a directory */
  } finally {
    await d.close();
  }
}
