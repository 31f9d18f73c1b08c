/**
 * The App Home tab: a "New customer" button, the fleet per region and site with its size over the
 * last 24 hours as a text sparkline, the health at a glance (counts, last sweep, the customers that
 * are not green), the pending requests an approver may decide (with their buttons; for approvers
 * only) and the caller's own recent operations. Times in the reader's zone (Slack date tokens).
 */
import type { KnownBlock } from "@slack/types";
import type { Approval } from "../../core/approvals.ts";
import type { AuditEntry } from "../../core/audit-log.ts";
import { undeliveredLine, verdictMark, type FleetHealthView } from "../render-fleet-health.ts";
import { approvalRequestMessage, titles } from "./approval-blocks.ts";
import { mention, mrkdwn, slackDate } from "./mrkdwn.ts";
import { NEW_CUSTOMER_ACTION } from "./onboard-form.ts";
import { clip, contextLine, lineSections } from "./slack-blocks.ts";

export interface HomeExtras {
  /** Per region or site, its customer count each hour of the last 24 (oldest first). */
  trend?: Map<string, Array<number | undefined>>;
  /** Requests waiting for a decision: shown with buttons only when the caller is an approver. */
  pending?: Approval[];
  /** The caller's own recent operations, newest first. */
  recent?: AuditEntry[];
  /** Whether to offer the "New customer" button (the caller may onboard). */
  canOnboard?: boolean;
}

const BARS = "▁▂▃▄▅▆▇█";
const MAX_PENDING_SHOWN = 10;

/** A text sparkline: one bar per value, scaled between the series' least and most; a gap is a space. */
export function sparkline(values: Array<number | undefined>): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return "";
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return values.map((v) => (v === undefined ? " " : BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))])).join("");
}

function fleetLines(view: FleetHealthView, trend: Map<string, Array<number | undefined>>): string[] {
  const places = new Set([...view.byWhere.map((w) => w.where), ...trend.keys()]);
  return [...places].sort().map((where) => {
    const w = view.byWhere.find((b) => b.where === where);
    const series = trend.get(where) ?? [];
    const now = w ? w.green + w.amber + w.red + w.unknown : (series.filter((v) => v !== undefined).at(-1) ?? 0);
    const health = w ? ` · ${verdictMark.green} ${w.green} ${verdictMark.amber} ${w.amber} ${verdictMark.red} ${w.red}${w.unknown ? ` ${verdictMark.unknown} ${w.unknown}` : ""}` : "";
    const spark = sparkline(series);
    return mrkdwn`*${where}*: ${now} customers` + health + (spark ? `   \`${spark}\`` : "");
  });
}

export function homeBlocks(view: FleetHealthView, extras: HomeExtras = {}): KnownBlock[] {
  const { totals } = view;
  const blocks: KnownBlock[] = [{ type: "header", text: { type: "plain_text", text: "qoem: your customers' Qlik environments" } }];
  if (extras.canOnboard) {
    blocks.push({ type: "actions", block_id: "home-new", elements: [{ type: "button", action_id: NEW_CUSTOMER_ACTION, style: "primary", text: { type: "plain_text", text: "New customer" }, value: "home" }] });
  }
  blocks.push({ type: "section", text: { type: "mrkdwn", text: `*Fleet health*: *${totals.green}* green · *${totals.amber}* amber · *${totals.red}* red${totals.unknown ? ` · *${totals.unknown}* unknown` : ""}\nLast sweep: ${view.lastSweepAt ? String(slackDate(view.lastSweepAt)) : "none yet"}` } });
  const places = fleetLines(view, extras.trend ?? new Map());
  if (places.length) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: "*By region and site* (customers now; the bars: the last 24 hours)" } });
    blocks.push(...lineSections(places, 5));
  }
  const undelivered = undeliveredLine(view);
  if (undelivered) blocks.push(contextLine(mrkdwn`⚠️ ${undelivered}`));
  const lines = view.notGreen.slice(0, 40).map((l) => `${verdictMark[l.verdict]} ` + mrkdwn`*${l.customer}* (${l.where}): ${clip(l.reasons.join("; "), 300)}`);
  blocks.push(...lineSections(lines.length ? lines : ["Every customer is green."], 5));
  if (view.notGreenCount > lines.length) blocks.push(contextLine(`… and ${view.notGreenCount - lines.length} more; /qoem health all lists them.`));
  if (extras.pending) {
    blocks.push({ type: "divider" }, { type: "section", text: { type: "mrkdwn", text: `*Waiting for your decision* (${extras.pending.length})` } });
    if (extras.pending.length === 0) blocks.push(contextLine("Nothing is waiting for an approver."));
    for (const a of extras.pending.slice(0, MAX_PENDING_SHOWN)) {
      const request = approvalRequestMessage(a).blocks;
      blocks.push({ type: "section", text: { type: "mrkdwn", text: mrkdwn`*${titles[a.operation]} ${a.operation === "rollout" ? (a.template ?? "") : a.customer}* requested by ${mention(a.requestedBy)} ${slackDate(a.requestedAt)}: ${clip(a.effect, 500)} (request ${a.id}, expires ` + `${slackDate(a.expiresAt)})` } });
      blocks.push(request.at(-1) as KnownBlock);
    }
    if (extras.pending.length > MAX_PENDING_SHOWN) blocks.push(contextLine(`… and ${extras.pending.length - MAX_PENDING_SHOWN} more in the approvals channel.`));
  }
  if (extras.recent) {
    blocks.push({ type: "divider" }, { type: "section", text: { type: "mrkdwn", text: "*Your recent operations*" } });
    const mine = extras.recent.map((e) => `${slackDate(e.at)} ` + mrkdwn`${e.action} → *${e.result}*${e.jobId ? ` (job ${e.jobId})` : ""}`);
    blocks.push(...lineSections(mine.length ? mine : ["Nothing yet."], 3));
  }
  return blocks;
}
