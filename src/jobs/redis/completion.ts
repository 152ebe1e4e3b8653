import type { Redis } from "ioredis";
import type { CompletionDoor, CompletionOutcome, FinalPatch, JobStatus } from "../types.js";
import { deliveryKey, eventsChannel, jobKey } from "./keys.js";
import { decodeMessage } from "./record.js";
import { LuaScript } from "./script.js";

/**
 * The completion door in one Redis call, atomic: replay mark, compare-and-set, publish.
 * KEYS: job hash, webhook-id mark. ARGV: final patch JSON, final status, replay window in
 * seconds ('' = no replay check), channel.
 * Returns {0} unknown job (nothing marked) · {1} replayed webhook-id ·
 * {2|3, status, submittedAt, held[, message]}: 2 final already (stored state unchanged),
 * 3 applied. held = 1 when the job has a client webhook: then nothing is published and the
 * message comes back, so the caller queues the webhook before publishing it. Otherwise the
 * stored final state is published (also when final already: a retried delivery reaches
 * subscribers that missed it; they drop versions they have seen).
 * The `"webhook":"` and `"submittedAt":"` searches are safe on JSON.stringify output: inside
 * a string value a quote is always escaped, so these can only match the record's own keys.
 */
const COMPLETE = new LuaScript(`
local st = redis.call('HMGET', KEYS[1], 'status', 'version', 'data', 'final')
if not st[1] then return {0} end
if ARGV[3] ~= '' and not redis.call('SET', KEYS[2], '1', 'EX', ARGV[3], 'NX') then return {1} end
local code, status, version, final = 3, ARGV[2], st[2], st[4]
if st[1] == 'COMPLETED' or st[1] == 'FAILED' then
  code, status = 2, st[1]
else
  version = tostring(tonumber(st[2]) + 1)
  final = ARGV[1]
  redis.call('HSET', KEYS[1], 'status', status, 'version', version, 'final', final)
end
local msg = '{"v":' .. version .. ',"job":' .. st[3]
if final then msg = msg .. ',"final":' .. final end
msg = msg .. '}'
local submitted = string.match(st[3], '"submittedAt":"([^"]*)"') or ''
if string.find(st[3], '"webhook":"', 1, true) then return {code, status, submitted, 1, msg} end
redis.call('PUBLISH', ARGV[4], msg)
return {code, status, submitted, 0}`);

type Reply = [0] | [1] | [2 | 3, JobStatus, string, 0 | 1, string?];

export class RedisCompletionDoor implements CompletionDoor {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async apply(requestId: string, final: FinalPatch, replay?: { messageId: string; ttlSeconds: number }): Promise<CompletionOutcome> {
    const channel = eventsChannel(this.prefix, requestId);
    const reply = (await COMPLETE.run(
      this.redis,
      [jobKey(this.prefix, requestId), deliveryKey(this.prefix, replay?.messageId ?? "")],
      [JSON.stringify(final), final.status, replay ? String(replay.ttlSeconds) : "", channel],
    )) as Reply;
    if (reply[0] === 0) return { kind: "missing" };
    if (reply[0] === 1) return { kind: "replayed" };
    const [code, status, submittedAt, held, message] = reply;
    const outcome: CompletionOutcome = { kind: code === 3 ? "applied" : "alreadyFinal", status, submittedAt };
    if (held === 1) {
      outcome.held = { job: decodeMessage(message!), publish: async () => void (await this.redis.publish(channel, message!)) };
    }
    return outcome;
  }
}
