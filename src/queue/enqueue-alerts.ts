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

/**
 * Queues a delivery for every pending alert that has none waiting, and restarts the failed ones, a
 * page of the outbox at a time (its lookups side by side), so an outage's thousands of alerts neither
 * sit in memory at once nor cost one round trip after another. Returns how many it (re)started.
 */
export async function enqueuePendingAlerts(alerts: Queue, outbox: AlertOutbox): Promise<number> {
  let started = 0;
  for await (const page of outbox.scanPending()) {
    // An alert HSCAN repeats on a later page finds its job queued by then: nothing is added twice.
    const jobs = await Promise.all(page.map((a) => Job.fromId(alerts, a.id)));
    const missing = page.filter((_, i) => !jobs[i]);
    if (missing.length) {
      await alerts.addBulk(missing.map((alert) => ({ name: "alert", data: alert, opts: { jobId: alert.id, attempts: ALERT_ATTEMPTS, backoff: { type: ALERT_BACKOFF }, removeOnComplete: true, removeOnFail: { count: 1000 } } })));
      started += missing.length;
    }
    for (const job of jobs) {
      if (job && (await job.isFailed())) {
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        started++;
      }
    }
  }
  return started;
}
