import type { JobRecord, JobStatus, ListPage } from "./types.js";
import { UserInputError } from "../errors/codes.js";

/** Opaque pagination cursor: position of a job in the owner's newest-first list. */
export function encodeCursor(job: Pick<JobRecord, "submittedAt" | "requestId">): string {
  return Buffer.from(JSON.stringify([job.submittedAt, job.requestId])).toString("base64url");
}

export function decodeCursor(cursor: string): { submittedAt: string; requestId: string } {
  try {
    const [submittedAt, requestId] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof submittedAt === "string" && typeof requestId === "string") return { submittedAt, requestId };
  } catch {
    /* fall through */
  }
  throw new UserInputError("after: not a cursor returned by this API", "after");
}

/** One page of an owner's jobs, newest first, after `after` (shared by both stores). */
export function paginate(jobs: JobRecord[], first: number, after?: string, status?: JobStatus): ListPage {
  const mine = jobs
    .filter((j) => !status || j.status === status)
    .sort((a, b) => b.submittedAt.localeCompare(a.submittedAt) || b.requestId.localeCompare(a.requestId));
  let start = 0;
  if (after) {
    const c = decodeCursor(after);
    start = mine.findIndex((j) => j.submittedAt < c.submittedAt || (j.submittedAt === c.submittedAt && j.requestId < c.requestId));
    if (start < 0) start = mine.length;
  }
  const items = mine.slice(start, start + first);
  const last = items.at(-1);
  return { items, hasNextPage: start + first < mine.length, endCursor: last && encodeCursor(last), totalCount: mine.length };
}
