import type { Redis } from "ioredis";
import { ErrorCode, UserInputError } from "../../errors/codes.js";
import { isFinal, type JobRecord, type JobStatus, type JobStore, type ListPage, type StoredAudio } from "../types.js";
import type { RedisUploadStore } from "./uploads.js";
import { paginate } from "../cursor.js";
import { audioKey, deliveryKey, jobKey, ownerKey } from "./keys.js";
import { readRecord } from "./record.js";
import { LuaScript } from "./script.js";

// A job is a hash {status, version, data(JSON)[, final(JSON)]} (record.ts) so scripts can
// guard transitions without decoding JSON inside Redis.
const CREATE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HMGET', KEYS[1], 'data', 'final', 'version') end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'version', ARGV[3], 'data', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return false`);

// Compare-and-set on version; refuses to change a final job ({1}: read it again).
const UPDATE = new LuaScript(`
local st = redis.call('HMGET', KEYS[1], 'status', 'version')
if not st[1] then return {0} end
if st[1] == 'COMPLETED' or st[1] == 'FAILED' then return {1} end
if st[2] ~= ARGV[1] then return {2} end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'version', ARGV[4], 'data', ARGV[2])
return {3}`);

const FIELDS = ["data", "final", "version"] as const;

/**
 * Distributed-mode job store in Redis; every key, the audio included, expires after the job
 * TTL (audio is kept after completion: the results page plays it back).
 */
export class RedisJobStore implements JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly uploads?: RedisUploadStore,
  ) {}

  async create(job: JobRecord, audio?: Buffer) {
    const existing = await this.get(job.requestId);
    if (existing) return { created: false as const, existing };
    // Audio goes first under a key of its own input hash, so a losing concurrent create
    // with different input never overwrites the winner's audio.
    const audioAt = audioKey(this.prefix, job.requestId, job.inputHash);
    if (audio) await this.redis.set(audioAt, audio, "EX", this.ttlSeconds);
    // An upload's chunks stay where they are and live as long as the job.
    if (job.source.kind === "upload" && !(await this.uploads?.keep(job.source.uploadId, this.ttlSeconds))) {
      throw new UserInputError(`uploadId: no upload "${job.source.uploadId}" for this API key`, "uploadId", ErrorCode.NOT_FOUND);
    }
    const prior = (await CREATE.run(
      this.redis,
      [jobKey(this.prefix, job.requestId), ownerKey(this.prefix, job.owner)],
      [JSON.stringify(job), job.status, String(job.version), String(this.ttlSeconds), String(Date.parse(job.submittedAt)), job.requestId],
    )) as [string, string | null, string | null] | null;
    if (prior === null) return { created: true as const };
    const existingJob = readRecord(...prior);
    if (audio && existingJob.inputHash !== job.inputHash) await this.redis.del(audioAt);
    return { created: false as const, existing: existingJob };
  }

  async get(requestId: string) {
    const [data, final, version] = await this.redis.hmget(jobKey(this.prefix, requestId), ...FIELDS);
    return data ? readRecord(data, final, version) : undefined;
  }

  async update(requestId: string, patch: Partial<JobRecord>) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.get(requestId);
      if (!current) return undefined;
      if (isFinal(current.status)) return { final: current };
      const next: JobRecord = { ...current, ...patch, version: current.version + 1 };
      const [outcome] = (await UPDATE.run(
        this.redis,
        [jobKey(this.prefix, requestId)],
        [String(current.version), JSON.stringify(next), next.status, String(next.version)],
      )) as [number];
      if (outcome === 0) return undefined;
      if (outcome === 3) return { updated: next };
      // 1: it became final meanwhile (read it again, then return it); 2: someone else changed it
    }
    throw new Error(`job ${requestId}: too much contention updating its state`);
  }

  async list(owner: string, first: number, after?: string, status?: JobStatus): Promise<ListPage> {
    const ids = await this.redis.zrevrange(ownerKey(this.prefix, owner), 0, -1);
    const jobs: JobRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const pipe = this.redis.pipeline();
      for (const id of batch) pipe.hmget(jobKey(this.prefix, id), ...FIELDS);
      const rows = (await pipe.exec()) ?? [];
      rows.forEach(([, row], k) => {
        const [data, final, version] = row as (string | null)[];
        if (data) jobs.push(readRecord(data, final, version));
        else gone.push(batch[k]!);
      });
    }
    if (gone.length) await this.redis.zrem(ownerKey(this.prefix, owner), ...gone);
    return paginate(jobs, first, after, status);
  }

  async getAudio(requestId: string) {
    const job = await this.get(requestId);
    if (!job) return undefined;
    if (job.source.kind === "upload") {
      const pieces: Buffer[] = [];
      try {
        for await (const p of this.uploads!.read(job.source.uploadId)) pieces.push(p);
      } catch {
        return undefined;
      }
      return Buffer.concat(pieces);
    }
    return (await this.redis.getBuffer(audioKey(this.prefix, requestId, job.inputHash))) ?? undefined;
  }

  /** Content as bytes (at most MAX_AUDIO_BYTES); an upload spooled to a temporary file, read chunk by chunk. */
  async openAudio(requestId: string): Promise<StoredAudio | undefined> {
    const job = await this.get(requestId);
    if (!job) return undefined;
    if (job.source.kind === "upload") return this.uploads!.spool(job.source.uploadId).catch(() => undefined);
    const data = await this.getAudio(requestId);
    return data && { data, release: async () => undefined };
  }

  async deleteAudio(requestId: string) {
    const job = await this.get(requestId);
    if (job) await this.redis.del(audioKey(this.prefix, requestId, job.inputHash));
  }

  async markDelivery(messageId: string, ttlSeconds: number) {
    return (await this.redis.set(deliveryKey(this.prefix, messageId), "1", "EX", ttlSeconds, "NX")) === "OK";
  }

  async forgetDelivery(messageId: string) {
    await this.redis.del(deliveryKey(this.prefix, messageId));
  }

  async ping() {
    await this.redis.ping();
  }

  async close() {}
}
