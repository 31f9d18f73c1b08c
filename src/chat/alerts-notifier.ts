// Turns health alerts into messages: the alerts channel in Slack (one writer, throttled), the shell locally; from the outbox, retried until delivered, once per alert.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { AlertOutbox, pendingAlertSchema, type PendingAlert } from "../core/alert-outbox.ts";
import type { RedisKeys } from "../core/redis-keys.ts";
import { ALERTS_QUEUE, ALERT_ATTEMPTS, ALERT_BACKOFF } from "../queue/enqueue-alerts.ts";
import { recordAlertSent } from "../ops/metrics.ts";

export type AlertMessage = PendingAlert;

export function renderAlert(a: AlertMessage): string {
  if (a.kind === "all-clear") return `🟢 ${a.customer} (${a.where}) is healthy again${a.previous ? ` (was ${a.previous})` : ""}.`;
  const mark = a.kind === "red" ? "🔴" : "🟠";
  return `${mark} ${a.customer} (${a.where}) is ${a.verdict}: ${a.reasons.join("; ") || "no reason given"}`;
}

export interface AlertsNotifierOptions {
  connection: Redis;
  keys: RedisKeys;
  logger: Logger;
  /** Posts one alert; throws when it could not (the alert then stays pending and is retried). */
  deliver(text: string, alert: AlertMessage): Promise<void>;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Slack's chat.postMessage allows about one message a second per channel. */
  limiter?: { max: number; duration: number };
}

export function startAlertsNotifier(options: AlertsNotifierOptions): Worker {
  const outbox = new AlertOutbox(options.connection, options.keys);
  const first = options.backoffMs ?? 2000;
  const max = options.maxBackoffMs ?? 5 * 60_000;
  const worker = new Worker(
    ALERTS_QUEUE,
    async (job) => {
      const alert = pendingAlertSchema.safeParse(job.data);
      if (!alert.success) return void options.logger.warn({ jobId: job.id }, "alert job without a valid alert: skipped");
      const outcome = await outbox.deliver(alert.data.customer, alert.data.id, (a) => options.deliver(renderAlert(a), a));
      if (outcome === "delivered") recordAlertSent(alert.data.kind);
      if (outcome !== "not-pending") options.logger.info({ jobId: job.id, customer: alert.data.customer, kind: alert.data.kind, outcome, attempt: job.attemptsMade + 1 }, "alert delivered");
    },
    {
      connection: options.connection,
      prefix: options.keys.tag,
      concurrency: 1,
      limiter: options.limiter ?? { max: 1, duration: 1000 },
      settings: { backoffStrategy: (attemptsMade: number, type?: string) => (type === ALERT_BACKOFF ? Math.min(first * 2 ** Math.max(0, attemptsMade - 1), max) : first) },
    },
  );
  worker.on("failed", (job, error) => {
    const alert = pendingAlertSchema.safeParse(job?.data);
    const attempts = job?.opts.attempts ?? ALERT_ATTEMPTS;
    options.logger.warn(
      { jobId: job?.id, customer: alert.success ? alert.data.customer : undefined, kind: alert.success ? alert.data.kind : undefined, attempt: job?.attemptsMade, willRetry: (job?.attemptsMade ?? 0) < attempts, err: error.message },
      "alert delivery failed: it stays pending",
    );
  });
  return worker;
}
