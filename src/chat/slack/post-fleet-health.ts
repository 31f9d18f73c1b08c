// `health all` in Slack: one message, edited in place while the sweeps it started run.
import type { QueueEvents } from "bullmq";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { countsLine, renderFleetHealth, type FleetHealthView } from "../render-fleet-health.ts";
import { codeBlock, slackDate } from "./mrkdwn.ts";

/** The message's text: the fleet as a code block, then when the last sweep ran, in the reader's own time zone. */
export const fleetHealthText = (view: FleetHealthView, running?: string) =>
  codeBlock(renderFleetHealth(view, running, false)) + `\nLast sweep: ${view.lastSweepAt ? String(slackDate(view.lastSweepAt)) : "none yet"}`;

export interface FleetMessageOptions {
  sweepEvents?: QueueEvents;
  fleetHealth?: () => Promise<FleetHealthView>;
  /** State of a sweep job (a sweep may end before anyone listens). */
  jobState(jobId: string): Promise<string>;
}

/** What a sweep job reports as it goes (src/queue/sweeps.ts): customers done of its total, and their verdicts counted. */
const sweepProgressSchema = z.object({
  done: z.number(),
  total: z.number(),
  counts: z.object({ green: z.number(), amber: z.number(), red: z.number(), unknown: z.number() }),
});
type SweepProgress = z.infer<typeof sweepProgressSchema>;

/** "sweeping: 2 of 7 done, 31,000 of 59,500 checked: 30,900 green, 60 amber, 40 red": from the sweeps' own counts. */
export function sweepingLine(jobs: number, ended: number, progress: Iterable<SweepProgress>): string {
  const sum = { done: 0, total: 0, counts: { green: 0, amber: 0, red: 0, unknown: 0 } };
  for (const p of progress) {
    sum.done += p.done;
    sum.total += p.total;
    for (const k of ["green", "amber", "red", "unknown"] as const) sum.counts[k] += p.counts[k];
  }
  const checked = sum.total ? `, ${sum.done.toLocaleString("en-US")} of ${sum.total.toLocaleString("en-US")} checked: ${countsLine(sum.counts)}` : "";
  return `sweeping: ${ended} of ${jobs} done${checked}`;
}

/**
 * The `health all` message: posted once, then edited in place (at most every 3 s) while the sweeps
 * run, and once more when they have all ended. The edits while they run add the sweeps' own counts
 * (their progress) to the view first posted, so each costs nothing however large the estate; only
 * the last edit reads every customer's latest verdict again.
 */
export async function postFleetHealth(client: WebClient, channel: string, first: FleetHealthView, jobIds: string[], options: FleetMessageOptions): Promise<void> {
  const events = options.sweepEvents;
  const pending = new Set(jobIds);
  // Listen before anything else: a sweep of an empty region finishes in milliseconds.
  let settle: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (settle = resolve));
  let progressed = () => undefined as void;
  const onDone = ({ jobId }: { jobId: string }) => {
    if (pending.delete(jobId) && pending.size === 0) settle();
  };
  const progress = new Map<string, SweepProgress>();
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    if (!pending.has(jobId)) return;
    const reported = sweepProgressSchema.safeParse(data);
    if (reported.success) progress.set(jobId, reported.data);
    progressed();
  };
  events?.on("completed", onDone);
  events?.on("failed", onDone);
  events?.on("progress", onProgress);
  try {
    const posted = await client.chat.postMessage({ channel, text: fleetHealthText(first, jobIds.length ? "sweeping now" : undefined) });
    if (!events || !options.fleetHealth || jobIds.length === 0) return;
    let lastEdit = 0;
    const edit = async (view: FleetHealthView, running?: string) => {
      lastEdit = Date.now();
      await client.chat.update({ channel: posted.channel ?? channel, ts: posted.ts!, text: fleetHealthText(view, running) });
    };
    progressed = () => {
      if (Date.now() - lastEdit > 3000) void edit(first, sweepingLine(jobIds.length, jobIds.length - pending.size, progress.values())).catch(() => undefined);
    };
    // Sweeps that ended before we listened.
    for (const id of [...pending]) {
      const state = await options.jobState(id);
      if (state === "completed" || state === "failed" || state === "unknown") onDone({ jobId: id });
    }
    await Promise.race([allDone, new Promise((r) => setTimeout(r, 10 * 60_000).unref())]);
    await edit(await options.fleetHealth());
  } finally {
    events?.off("completed", onDone);
    events?.off("failed", onDone);
    events?.off("progress", onProgress);
  }
}
