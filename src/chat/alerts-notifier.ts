// Turns health alerts into messages: the alerts channel in Slack (one writer, throttled), the shell locally.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { ALERTS_QUEUE } from "../queue/sweeps.ts";

const alertSchema = z.object({
  kind: z.enum(["red", "amber", "all-clear"]),
  customer: z.string(),
  where: z.string(),
  verdict: z.enum(["green", "amber", "red"]),
  reasons: z.array(z.string()),
  previous: z.enum(["green", "amber", "red"]).optional(),
});
export type AlertMessage = z.infer<typeof alertSchema>;

export function renderAlert(a: AlertMessage): string {
  if (a.kind === "all-clear") return `🟢 ${a.customer} (${a.where}) is healthy again${a.previous ? ` (was ${a.previous})` : ""}.`;
  const mark = a.kind === "red" ? "🔴" : "🟠";
  return `${mark} ${a.customer} (${a.where}) is ${a.verdict}: ${a.reasons.join("; ") || "no reason given"}`;
}

export function startAlertsNotifier(connection: Redis, prefix: string, deliver: (text: string, alert: AlertMessage) => Promise<void>): Worker {
  return new Worker(
    ALERTS_QUEUE,
    async (job) => {
      const alert = alertSchema.safeParse(job.data);
      if (!alert.success) return;
      await deliver(renderAlert(alert.data), alert.data);
    },
    { connection, prefix, concurrency: 1, limiter: { max: 1, duration: 1000 } },
  );
}
