/**
 * How a job travels in Redis. The hash holds `data` (the record as last written before it
 * became final), and once final `final` (the FinalPatch JSON) and the new `version`. Scripts
 * join these JSON texts without decoding them (cjson turns [] into {} and rounds numbers), and
 * a reader merges them with one JSON.parse each.
 *
 * A bus message is `{"v":version,"job":<data>[,"final":<final>]}`: it carries the whole job,
 * so a subscriber's replica needs no store read, and it is decoded once per replica however
 * many subscribers it has.
 */
import type { FinalPatch, JobRecord } from "../types.js";

/** The stored record: `data` plus, once final, the final patch and version (a final job has no running stage). */
export function withFinal(job: JobRecord, final: FinalPatch | undefined, version: number): JobRecord {
  if (!final) return job;
  Object.assign(job, final);
  job.version = version;
  delete job.stage;
  return job;
}

export function readRecord(data: string, final: string | null | undefined, version: string | null | undefined): JobRecord {
  const job = JSON.parse(data) as JobRecord;
  return final ? withFinal(job, JSON.parse(final) as FinalPatch, Number(version)) : job;
}

export const encodeMessage = (job: JobRecord) => JSON.stringify({ v: job.version, job });

export function decodeMessage(message: string): JobRecord {
  const m = JSON.parse(message) as { v: number; job: JobRecord; final?: FinalPatch };
  return withFinal(m.job, m.final, m.v);
}
