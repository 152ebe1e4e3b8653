import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import type { Redis } from "ioredis";
import type { UploadRecord, UploadStore } from "../types.js";
import { UploadSink, uploadTooLarge } from "../uploads.js";

/** Uploads are stored in Redis in pieces of this size, so neither side ever holds more. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Distributed-mode uploads: Redis is the one store every gateway and worker shares, so the
 * body goes there, as 1 MiB chunk keys written while it streams in, with the job TTL. The
 * upload exists once its meta hash is written, after the last chunk: a half-sent or
 * oversized body leaves only chunk keys, deleted at once (or by their TTL after a crash).
 * Workers spool the chunks to a local temporary file and analyse it from there.
 */
export class RedisUploadStore implements UploadStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private metaKey = (id: string) => `${this.prefix}:upload:${id}`;
  private chunkKey = (id: string, n: number) => `${this.prefix}:upload:${id}:${n}`;

  async put(owner: string, body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<UploadRecord> {
    const uploadId = `upl_${randomBytes(16).toString("hex")}`;
    const sink = new UploadSink();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let chunks = 0;
    const flush = async (all: boolean) => {
      let buf = Buffer.concat(pending);
      while (buf.length >= UPLOAD_CHUNK_BYTES || (all && buf.length > 0)) {
        const piece = buf.subarray(0, UPLOAD_CHUNK_BYTES);
        await this.redis.set(this.chunkKey(uploadId, chunks++), piece, "EX", this.ttlSeconds);
        buf = buf.subarray(piece.length);
      }
      pending = buf.length ? [Buffer.from(buf)] : [];
      pendingBytes = buf.length;
    };
    try {
      for await (const chunk of body) {
        sink.add(chunk);
        if (sink.bytes > maxBytes) throw uploadTooLarge(maxBytes);
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.length;
        if (pendingBytes >= UPLOAD_CHUNK_BYTES) await flush(false);
      }
      sink.assertNotEmpty();
      await flush(true);
    } catch (err) {
      await this.deleteChunks(uploadId, chunks).catch(() => undefined);
      throw err;
    }
    const rec: UploadRecord = { uploadId, owner, bytes: sink.bytes, sha256: sink.sha256(), format: sink.format(), createdAt: new Date().toISOString() };
    await this.redis.multi().hset(this.metaKey(uploadId), { ...rec, chunks: String(chunks) }).expire(this.metaKey(uploadId), this.ttlSeconds).exec();
    return rec;
  }

  private async deleteChunks(uploadId: string, chunks: number) {
    for (let n = 0; n < chunks; n += 500) {
      const keys = Array.from({ length: Math.min(500, chunks - n) }, (_, k) => this.chunkKey(uploadId, n + k));
      await this.redis.del(...keys);
    }
  }

  private async meta(uploadId: string) {
    const m = await this.redis.hgetall(this.metaKey(uploadId));
    return m.uploadId ? m : undefined;
  }

  async get(uploadId: string): Promise<UploadRecord | undefined> {
    const m = await this.meta(uploadId);
    return m && { uploadId: m.uploadId!, owner: m.owner!, bytes: Number(m.bytes), sha256: m.sha256!, format: m.format!, createdAt: m.createdAt! };
  }

  /** Makes the upload live at least `ttlSeconds` more (a job made from it keeps it for the job TTL). */
  async keep(uploadId: string, ttlSeconds: number) {
    const m = await this.meta(uploadId);
    if (!m) return false;
    const pipe = this.redis.pipeline().expire(this.metaKey(uploadId), ttlSeconds);
    for (let n = 0; n < Number(m.chunks); n++) pipe.expire(this.chunkKey(uploadId, n), ttlSeconds);
    await pipe.exec();
    return true;
  }

  /** Yields the upload's bytes chunk by chunk; throws when a chunk is gone (expired). */
  async *read(uploadId: string): AsyncGenerator<Buffer> {
    const m = await this.meta(uploadId);
    if (!m) throw new Error(`upload ${uploadId} is no longer stored`);
    for (let n = 0; n < Number(m.chunks); n++) {
      const piece = await this.redis.getBuffer(this.chunkKey(uploadId, n));
      if (!piece) throw new Error(`upload ${uploadId} is no longer stored`);
      yield piece;
    }
  }

  /** Spools the upload into a private temporary file (for the chunked file reader); remove it with `release`. */
  async spool(uploadId: string): Promise<{ path: string; release(): Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), "iag-upload-"));
    const path = join(dir, "audio");
    const release = () => rm(dir, { recursive: true, force: true });
    try {
      const out = createWriteStream(path);
      for await (const piece of this.read(uploadId)) if (!out.write(piece)) await once(out, "drain");
      out.end();
      await once(out, "finish");
      return { path, release };
    } catch (err) {
      await release();
      throw err;
    }
  }
}
