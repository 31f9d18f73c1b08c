// `health all` in Slack: one message, edited in place while the sweeps it started run.
import type { QueueEvents } from "bullmq";
import type { WebClient } from "@slack/web-api";
import { renderFleetHealth, type FleetHealthView } from "../render-fleet-health.ts";
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

/** The `health all` message: posted once, then edited in place (at most every 3 s) while the sweeps run. */
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
  const onProgress = ({ jobId }: { jobId: string }) => {
    if (pending.has(jobId)) progressed();
  };
  events?.on("completed", onDone);
  events?.on("failed", onDone);
  events?.on("progress", onProgress);
  try {
    const posted = await client.chat.postMessage({ channel, text: fleetHealthText(first, jobIds.length ? "sweeping now" : undefined) });
    if (!events || !options.fleetHealth || jobIds.length === 0) return;
    let lastEdit = 0;
    const edit = async (running?: string) => {
      lastEdit = Date.now();
      await client.chat.update({ channel: posted.channel ?? channel, ts: posted.ts!, text: fleetHealthText(await options.fleetHealth!(), running) });
    };
    progressed = () => {
      if (Date.now() - lastEdit > 3000) void edit(`sweeping: ${jobIds.length - pending.size} of ${jobIds.length} done`).catch(() => undefined);
    };
    // Sweeps that ended before we listened.
    for (const id of [...pending]) {
      const state = await options.jobState(id);
      if (state === "completed" || state === "failed" || state === "unknown") onDone({ jobId: id });
    }
    await Promise.race([allDone, new Promise((r) => setTimeout(r, 10 * 60_000).unref())]);
    await edit();
  } finally {
    events?.off("completed", onDone);
    events?.off("failed", onDone);
    events?.off("progress", onProgress);
  }
}
