import { isFinal, type JobRecord, type JobStatus, type JobStore, type ListPage } from "../types.js";
import { paginate } from "../cursor.js";

/** Embedded-mode job store: process memory, entries expire after the TTL. */
export class MemoryJobStore implements JobStore {
  private jobs = new Map<string, { job: JobRecord; expiresAt: number }>();
  private audio = new Map<string, Buffer>();
  private deliveries = new Map<string, number>();
  private sweeper: NodeJS.Timeout;

  constructor(private readonly ttlSeconds: number) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private sweep(now = Date.now()) {
    for (const [id, e] of this.jobs) if (e.expiresAt <= now) (this.jobs.delete(id), this.audio.delete(id));
    for (const [id, exp] of this.deliveries) if (exp <= now) this.deliveries.delete(id);
  }

  private live(requestId: string): JobRecord | undefined {
    const e = this.jobs.get(requestId);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      // the audio goes with the job (it is no longer deleted at completion)
      this.jobs.delete(requestId);
      this.audio.delete(requestId);
      return undefined;
    }
    return e.job;
  }

  async create(job: JobRecord, audio?: Buffer) {
    const existing = this.live(job.requestId);
    if (existing) return { created: false as const, existing: structuredClone(existing) };
    this.jobs.set(job.requestId, { job: structuredClone(job), expiresAt: Date.now() + this.ttlSeconds * 1000 });
    if (audio) this.audio.set(job.requestId, audio);
    return { created: true as const };
  }

  async get(requestId: string) {
    const j = this.live(requestId);
    return j && structuredClone(j);
  }

  async update(requestId: string, patch: Partial<JobRecord>) {
    const j = this.live(requestId);
    if (!j) return undefined;
    if (isFinal(j.status)) return { final: structuredClone(j) };
    Object.assign(j, patch, { version: j.version + 1 });
    return { updated: structuredClone(j) };
  }

  async list(owner: string, first: number, after?: string, status?: JobStatus): Promise<ListPage> {
    const mine = [...this.jobs.keys()].map((id) => this.live(id)).filter((j): j is JobRecord => j?.owner === owner);
    return paginate(mine.map((j) => structuredClone(j)), first, after, status);
  }

  async getAudio(requestId: string) {
    return this.audio.get(requestId);
  }
  async deleteAudio(requestId: string) {
    this.audio.delete(requestId);
  }
  async markDelivery(messageId: string, ttlSeconds: number) {
    const exp = this.deliveries.get(messageId);
    if (exp && exp > Date.now()) return false;
    this.deliveries.set(messageId, Date.now() + ttlSeconds * 1000);
    return true;
  }
  async forgetDelivery(messageId: string) {
    this.deliveries.delete(messageId);
  }
  async ping() {}
  async close() {
    clearInterval(this.sweeper);
  }
}
