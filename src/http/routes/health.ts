import { Router } from "express";
import type { JobStore } from "../../jobs/types.js";
import { registry } from "../../observability/metrics.js";

/** /healthz: the process answers. /readyz: its dependencies (Redis) answer too. /metrics: Prometheus. */
export function healthRoutes(store: JobStore) {
  const router = Router();
  router.get("/healthz", (_req, res) => void res.json({ status: "ok" }));
  router.get("/readyz", async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: "ready" });
    } catch {
      res.status(503).json({ status: "unavailable", message: "job store unreachable" });
    }
  });
  router.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
