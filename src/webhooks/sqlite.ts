/**
 * Embedded-mode delivery state in the data directory's SQLite database (the delivery queue
 * itself is a SqliteQueue named "deliveries"), so a pending callback and its retry schedule
 * survive a restart. States expire with the job TTL.
 */
import type { Db } from "../jobs/sqlite/db.js";
import type { WebhookDelivery } from "../jobs/types.js";
import type { DeliveryStatusStore } from "./types.js";

export class SqliteDeliveryStatusStore implements DeliveryStatusStore {
  constructor(
    private readonly db: Db,
    private readonly ttlSeconds: number,
  ) {}

  async get(requestIds: string[]) {
    const out = new Map<string, WebhookDelivery>();
    const read = this.db.prepare("SELECT data FROM webhook_deliveries WHERE request_id = ? AND expires_at > ?");
    const now = Date.now();
    for (const id of requestIds) {
      const row = read.get(id, now) as { data: string } | undefined;
      if (row) out.set(id, JSON.parse(row.data) as WebhookDelivery);
    }
    return out;
  }

  async set(requestId: string, state: WebhookDelivery) {
    this.db
      .prepare("INSERT OR REPLACE INTO webhook_deliveries (request_id, data, expires_at) VALUES (?, ?, ?)")
      .run(requestId, JSON.stringify(state), Date.now() + this.ttlSeconds * 1000);
  }
}
