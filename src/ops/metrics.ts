/**
 * Every Prometheus metric qoem exposes on /metrics, in one registry, and the small recording
 * functions the rest of the code calls. Metrics are per process (as Prometheus scrapes them): a
 * deployment's totals are the sum over its chat, worker and scheduler processes. Labels take values
 * from small fixed sets (operation kinds, step ids, host kinds, tiers, Slack methods and error
 * codes), never a customer or a tenant, so the series stay few at 8,500 customers.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export const metricsRegistry = new Registry();

const registers = [metricsRegistry];

const operations = new Counter({
  name: "qoem_operations_total",
  help: "Operations run by the workers, by kind (onboard, offboard, health, ...) and outcome (completed, failed: final; retried: an attempt failed and the job runs again; refused: turned down before it was queued)",
  labelNames: ["kind", "outcome"] as const,
  registers,
});

const stepDuration = new Histogram({
  name: "qoem_step_duration_seconds",
  help: "Duration of each operation step that ran (resumed steps are not counted), by operation kind, step id and outcome (done, failed)",
  labelNames: ["kind", "step", "outcome"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  registers,
});

const queueWait = new Histogram({
  name: "qoem_queue_wait_seconds",
  help: "Time a job waited in its queue before a worker took it the first time (its delay excluded), by queue",
  labelNames: ["queue"] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
  registers,
});

/** Queues whose depth is read at each scrape (see watchQueueDepth). */
interface DepthSource {
  name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  isReady(): boolean;
}
const depthSources = new Set<DepthSource>();
const depthStates = ["waiting", "prioritized", "delayed", "active", "failed"] as const;

new Gauge({
  name: "qoem_queue_jobs",
  help: "Jobs in each queue by state (waiting, prioritized, delayed, active, failed), read from Redis at each scrape; absent while Redis does not answer",
  labelNames: ["queue", "state"] as const,
  registers,
  async collect() {
    this.reset();
    for (const source of depthSources) {
      if (!source.isReady()) continue;
      const counts = await withTimeout(source.getJobCounts(...depthStates), 1000).catch(() => undefined);
      if (!counts) continue;
      for (const state of depthStates) this.set({ queue: source.name, state }, counts[state] ?? 0);
    }
  },
});

const qlikCalls = new Counter({
  name: "qoem_qlik_calls_total",
  help: "HTTP calls to Qlik (cloud and client-managed), by host kind (register, tenant, console, qrs, engine), rate tier (1, 2, none) and HTTP status (or 'error' when no answer came)",
  labelNames: ["host_kind", "tier", "status"] as const,
  registers,
});

const qlikRateLimited = new Counter({
  name: "qoem_qlik_rate_limited_total",
  help: "Answers 429 (rate limited) from Qlik, by host kind and tier",
  labelNames: ["host_kind", "tier"] as const,
  registers,
});

const rateGateWait = new Histogram({
  name: "qoem_rate_gate_wait_seconds",
  help: "Time a Qlik call waited at the shared rate gate for a slot, by host kind and tier (0 when a slot was free)",
  labelNames: ["host_kind", "tier"] as const,
  buckets: [0, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
  registers,
});

const alertsSent = new Counter({
  name: "qoem_alerts_sent_total",
  help: "Health alerts delivered to the alerts channel (or the shell), by kind (red, amber, all-clear)",
  labelNames: ["kind"] as const,
  registers,
});

const slackApiErrors = new Counter({
  name: "qoem_slack_api_errors_total",
  help: "Slack Web API calls that failed, by method and Slack's error code (or http_<status>, ratelimited, network_error)",
  labelNames: ["method", "error"] as const,
  registers,
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let processMetrics = false;
/** Node.js process metrics (memory, CPU, event loop lag, GC) on the same registry; once per process. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

export type OperationOutcome = "completed" | "failed" | "retried" | "refused";

export function recordOperation(kind: string, outcome: OperationOutcome): void {
  operations.inc({ kind, outcome });
}

export function recordStepDuration(kind: string, step: string, outcome: "done" | "failed", seconds: number): void {
  stepDuration.observe({ kind, step, outcome }, seconds);
}

export function recordQueueWait(queue: string, seconds: number): void {
  queueWait.observe({ queue }, Math.max(0, seconds));
}

/** Reads `queue`'s depth at each scrape until the returned function is called. */
export function watchQueueDepth(queue: DepthSource): () => void {
  depthSources.add(queue);
  return () => void depthSources.delete(queue);
}

export type QlikHostKind = "register" | "tenant" | "console" | "qrs" | "engine";
export type QlikTier = "1" | "2" | "special" | "none";

/** One HTTP answer from Qlik (or `"error"` when none came); a 429 also counts as rate limited. */
export function recordQlikCall(call: { hostKind: QlikHostKind; tier: QlikTier; status: number | "error" }): void {
  qlikCalls.inc({ host_kind: call.hostKind, tier: call.tier, status: String(call.status) });
  if (call.status === 429) qlikRateLimited.inc({ host_kind: call.hostKind, tier: call.tier });
}

export function recordRateGateWait(wait: { hostKind: QlikHostKind; tier: QlikTier; seconds: number }): void {
  rateGateWait.observe({ host_kind: wait.hostKind, tier: wait.tier }, Math.max(0, wait.seconds));
}

export function recordAlertSent(kind: string): void {
  alertsSent.inc({ kind });
}

export function recordSlackApiError(method: string, error: string): void {
  slackApiErrors.inc({ method, error });
}
