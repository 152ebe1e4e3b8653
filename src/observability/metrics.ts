/**
 * Prometheus metrics (GET /metrics): process defaults plus job counters. Counts only, no
 * request ids, keys or content. One registry per process; every gateway in a process
 * (tests start several) shares it.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "iag_" });

export const jobsSubmitted = new Counter({
  name: "iag_jobs_submitted_total",
  help: "Analysis jobs accepted (new, not idempotent resubmissions).",
  registers: [registry],
});

export const jobsFinished = new Counter({
  name: "iag_jobs_finished_total",
  help: "Analysis jobs that reached a final state through the completion door.",
  labelNames: ["status"] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: "iag_job_duration_seconds",
  help: "Seconds from submission to the final state.",
  buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [registry],
});
