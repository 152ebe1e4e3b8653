/**
 * API keys. A key is never stored or logged: the owner of a job is an id derived from a
 * hash of the key, and lookups go by that hash (no early-exit string compare on secrets).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const ANONYMOUS_OWNER = "anonymous";

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export class ApiKeys {
  private owners = new Map<string, string>();

  constructor(keys: string[]) {
    for (const k of keys) {
      const h = hashKey(k);
      this.owners.set(h, `key_${h.slice(0, 16)}`);
    }
  }

  /** True when no keys are configured: everyone is the anonymous owner. */
  get open() {
    return this.owners.size === 0;
  }

  /** The owner id for a presented key, or undefined when it is missing or wrong. */
  ownerOf(key: string | undefined): string | undefined {
    if (this.open) return ANONYMOUS_OWNER;
    if (!key) return undefined;
    return this.owners.get(hashKey(key));
  }
}

/** Key from `Authorization: Bearer`, `x-api-key`, or the `apikey` query parameter (DeepAffects style). */
export function keyFromRequest(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "").trim();
  const header = req.headers["x-api-key"];
  if (typeof header === "string" && header) return header;
  const q = new URL(req.url ?? "/", "http://x").searchParams.get("apikey");
  return q ?? undefined;
}

/** Key from graphql-ws `connectionParams`: { apiKey } or { authorization: "Bearer …" } or { "x-api-key" }. */
export function keyFromConnectionParams(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  for (const name of ["apiKey", "apikey", "x-api-key"]) if (typeof params[name] === "string") return params[name] as string;
  for (const name of ["authorization", "Authorization"]) {
    const v = params[name];
    if (typeof v === "string") return v.replace(/^Bearer\s+/i, "").trim();
  }
  return undefined;
}
