import type { Redis } from "ioredis";
import { ErrorCode, UserInputError } from "../../errors/codes.js";
import { isFinal, type JobRecord, type JobStatus, type JobStore, type ListPage, type StoredAudio } from "../types.js";
import type { RedisUploadStore } from "./uploads.js";
import { paginate } from "../cursor.js";

// A job is a hash {status, version, data(JSON)} so scripts can guard transitions without
// decoding JSON inside Redis (cjson turns [] into {} and rounds numbers).
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGET', KEYS[1], 'data') end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'version', ARGV[3], 'data', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return false`;

// Compare-and-set on version; refuses to change a final job.
const UPDATE = `
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'data')
if not st[1] then return {0} end
if st[1] == 'COMPLETED' or st[1] == 'FAILED' then return {1, st[3]} end
if st[2] ~= ARGV[1] then return {2} end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'version', ARGV[4], 'data', ARGV[2])
return {3, ARGV[2]}`;

/** Distributed-mode job store in Redis; every key expires after the job TTL. */
export class RedisJobStore implements JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly uploads?: RedisUploadStore,
  ) {}

  private jobKey = (id: string) => `${this.prefix}:job:${id}`;
  private ownerKey = (owner: string) => `${this.prefix}:owner:${owner}`;
  private audioKey = (id: string) => `${this.prefix}:audio:${id}`;

  async create(job: JobRecord, audio?: Buffer) {
    const existing = await this.get(job.requestId);
    if (existing) return { created: false as const, existing };
    // Audio goes first under a key of its own input hash, so a losing concurrent create
    // with different input never overwrites the winner's audio.
    const audioKey = this.audioKey(`${job.requestId}:${job.inputHash}`);
    if (audio) await this.redis.set(audioKey, audio, "EX", this.ttlSeconds);
    // An upload's chunks stay where they are and live as long as the job.
    if (job.source.kind === "upload" && !(await this.uploads?.keep(job.source.uploadId, this.ttlSeconds))) {
      throw new UserInputError(`uploadId: no upload "${job.source.uploadId}" for this API key`, "uploadId", ErrorCode.NOT_FOUND);
    }
    const prior = (await this.redis.eval(
      CREATE,
      2,
      this.jobKey(job.requestId),
      this.ownerKey(job.owner),
      JSON.stringify(job),
      job.status,
      String(job.version),
      String(this.ttlSeconds),
      String(Date.parse(job.submittedAt)),
      job.requestId,
    )) as string | null;
    if (prior === null) return { created: true as const };
    const existingJob = JSON.parse(prior) as JobRecord;
    if (audio && existingJob.inputHash !== job.inputHash) await this.redis.del(audioKey);
    return { created: false as const, existing: existingJob };
  }

  async get(requestId: string) {
    const data = await this.redis.hget(this.jobKey(requestId), "data");
    return data ? (JSON.parse(data) as JobRecord) : undefined;
  }

  async update(requestId: string, patch: Partial<JobRecord>) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.get(requestId);
      if (!current) return undefined;
      if (isFinal(current.status)) return { final: current };
      const next: JobRecord = { ...current, ...patch, version: current.version + 1 };
      const [outcome, data] = (await this.redis.eval(
        UPDATE,
        1,
        this.jobKey(requestId),
        String(current.version),
        JSON.stringify(next),
        next.status,
        String(next.version),
      )) as [number, string?];
      if (outcome === 0) return undefined;
      if (outcome === 1) return { final: JSON.parse(data!) as JobRecord };
      if (outcome === 3) return { updated: next };
      // outcome 2: someone else changed it in between; read again.
    }
    throw new Error(`job ${requestId}: too much contention updating its state`);
  }

  async list(owner: string, first: number, after?: string, status?: JobStatus): Promise<ListPage> {
    const ids = await this.redis.zrevrange(this.ownerKey(owner), 0, -1);
    const jobs: JobRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const pipe = this.redis.pipeline();
      for (const id of batch) pipe.hget(this.jobKey(id), "data");
      const rows = (await pipe.exec()) ?? [];
      rows.forEach(([, data], k) => (data ? jobs.push(JSON.parse(data as string)) : gone.push(batch[k])));
    }
    if (gone.length) await this.redis.zrem(this.ownerKey(owner), ...gone);
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
    return (await this.redis.getBuffer(this.audioKey(`${requestId}:${job.inputHash}`))) ?? undefined;
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
    if (job) await this.redis.del(this.audioKey(`${requestId}:${job.inputHash}`));
  }

  async markDelivery(messageId: string, ttlSeconds: number) {
    return (await this.redis.set(`${this.prefix}:delivery:${messageId}`, "1", "EX", ttlSeconds, "NX")) === "OK";
  }

  async forgetDelivery(messageId: string) {
    await this.redis.del(`${this.prefix}:delivery:${messageId}`);
  }

  async ping() {
    await this.redis.ping();
  }

  async close() {}
}
