// The App Home tab: the fleet at a glance (counts, last sweep, the customers that are not green).
import type { KnownBlock } from "@slack/types";
import { undeliveredLine, verdictMark, type FleetHealthView } from "../render-fleet-health.ts";
import { mrkdwn } from "./mrkdwn.ts";

export function homeBlocks(view: FleetHealthView) {
  const { totals } = view;
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "qoem: fleet health" } },
    { type: "section", text: { type: "mrkdwn", text: mrkdwn`*${totals.green}* green · *${totals.amber}* amber · *${totals.red}* red${totals.unknown ? ` · *${totals.unknown}* unknown` : ""}\nLast sweep: ${view.lastSweepAt ? `${view.lastSweepAt.slice(0, 16).replace("T", " ")} UTC` : "none yet"}` } },
  ];
  const lines = view.notGreen.slice(0, 40).map((l) => `${verdictMark[l.verdict]} ` + mrkdwn`*${l.customer}* (${l.where}): ${l.reasons.join("; ").slice(0, 300)}`);
  const undelivered = undeliveredLine(view);
  if (undelivered) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: mrkdwn`⚠️ ${undelivered}` }] });
  blocks.push({ type: "section", text: { type: "mrkdwn", text: lines.length ? lines.join("\n") : "Every customer is green." } });
  if (view.notGreenCount > lines.length) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `… and ${view.notGreenCount - lines.length} more; /qoem health all lists them.` }] });
  return blocks;
}
