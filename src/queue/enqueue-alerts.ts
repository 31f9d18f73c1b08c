/**
 * The alerts queue: every alert waiting in the outbox gets a live delivery job (job id = alert id,
 * so a decision repeated by later sweeps never queues it twice), retried with back-off; a job that
 * used up its attempts is started again by the next sweep, so an alert is never dropped.
 */
import { Job, type Queue } from "bullmq";
import type { AlertOutbox } from "../core/alert-outbox.ts";

export const ALERTS_QUEUE = "alerts";
/** Attempts per delivery job; then the next sweep starts it again. */
export const ALERT_ATTEMPTS = 8;
/** The back-off is the notifier's (a custom strategy by this name), so the deliverer sets its pace. */
export const ALERT_BACKOFF = "alert-backoff";

/** Queues a delivery for every pending alert that has none waiting, and restarts the failed ones. Returns how many it (re)started. */
export async function enqueuePendingAlerts(alerts: Queue, outbox: AlertOutbox): Promise<number> {
  let started = 0;
  for (const alert of await outbox.pending()) {
    const job = await Job.fromId(alerts, alert.id);
    if (!job) {
      await alerts.add("alert", alert, { jobId: alert.id, attempts: ALERT_ATTEMPTS, backoff: { type: ALERT_BACKOFF }, removeOnComplete: true, removeOnFail: { count: 1000 } });
      started++;
    } else if (await job.isFailed()) {
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      started++;
    }
  }
  return started;
}
