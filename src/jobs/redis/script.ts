import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A Lua script sent once per Redis server: called by EVALSHA (40 bytes) rather than as full
 * EVAL text on every call; on NOSCRIPT (a restarted or flushed server) it runs once as EVAL,
 * which loads it again.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: Redis, keys: string[], args: (string | Buffer)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err as Error).message?.startsWith("NOSCRIPT")) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
