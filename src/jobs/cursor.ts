import type { JobRecord } from "./types.js";
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
