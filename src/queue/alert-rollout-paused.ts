// A paused rollout told to the alerts channel: an alert in the outbox under the rollout's own key, delivered like health alerts (at least once, never twice).
import type { Queue } from "bullmq";
import { createHash } from "node:crypto";
import type { AlertOutbox } from "../core/alert-outbox.ts";
import { enqueuePendingAlerts } from "./enqueue-alerts.ts";

export async function alertRolloutPaused(outbox: AlertOutbox, alerts: Queue, rolloutId: string, text: string): Promise<void> {
  const decidedAt = new Date().toISOString();
  const id = `alert-${createHash("sha1").update(`${rolloutId}\n${text}\n${decidedAt}`).digest("hex").slice(0, 24)}`;
  await outbox.raise({ id, kind: "red", customer: `rollout ${rolloutId}`, where: "paused", verdict: "red", reasons: [text], decidedAt });
  await enqueuePendingAlerts(alerts, outbox);
}
