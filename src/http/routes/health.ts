import { Router } from "express";
import type { JobStore } from "../../jobs/types.js";

/** /healthz: the process answers. /readyz: its dependencies (Redis) answer too. */
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
  return router;
}
