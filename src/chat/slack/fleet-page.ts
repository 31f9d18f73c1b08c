/**
 * `list` in Slack for fleets of any size: counts per region/site and per status, one page of
 * customers, a "Next page" button and a "Download CSV" button. Pure: the renderer takes one page of
 * rows plus the counts. The counts come from the finished list job (it counts the whole fleet); the
 * first page's rows from it too, later pages from the registry a page at a time after the last name
 * shown (the job keeps only the first rows). Never over Slack's limits (slack-blocks.ts).
 */
import type { KnownBlock } from "@slack/types";
import type { z } from "zod";
import type { fleetSchema } from "../render-text.ts";
import { hostLink, mrkdwn, slackDate } from "./mrkdwn.ts";
import { clip, contextLine, lineSections, message } from "./slack-blocks.ts";

export type FleetResult = z.infer<typeof fleetSchema>;
export type FleetRow = FleetResult["rows"][number];

export const FLEET_PAGE_SIZE = 25;
export const NEXT_PAGE_ACTION = "qoem_list_page";
export const CSV_ACTION = "qoem_list_csv";

export interface FleetCounts {
  total: number;
  byWhere: Record<string, number>;
  byStatus: Record<string, number>;
}

export interface FleetPage {
  /** The customers on this page, in the listing's order. */
  rows: FleetRow[];
  /** Where this page starts in the whole listing (0-based). */
  offset: number;
  counts: FleetCounts;
  /** What the listing was asked for ("all", "region eu", "status active"). */
  scope: string;
  /** The listing this page is from (the list job), carried by the buttons. */
  listing: string;
  /** The last customer on this page: the next page starts after it. */
  after?: string;
  /** Whether tenant status is live from the organisation listing. */
  live: boolean;
  /** Lines about the whole listing: tenants qoem does not know, tenants gone, pending approvals. */
  notes: string[];
}

export function countFleet(rows: Iterable<Pick<FleetRow, "where" | "status">>): FleetCounts {
  const counts: FleetCounts = { total: 0, byWhere: {}, byStatus: {} };
  for (const r of rows) {
    counts.total++;
    counts.byWhere[r.where || "?"] = (counts.byWhere[r.where || "?"] ?? 0) + 1;
    counts.byStatus[r.status] = (counts.byStatus[r.status] ?? 0) + 1;
  }
  return counts;
}

/** The notes of a finished listing (mrkdwn, escaped). */
export function fleetNotes(f: FleetResult): string[] {
  const notes: string[] = [];
  const unknown = f.unknownTenantCount ?? f.unknownTenants.length;
  const gone = f.goneTenantCount ?? f.goneTenants.length;
  if (unknown) notes.push(mrkdwn`${unknown} tenant${unknown === 1 ? "" : "s"} qoem does not know: ${f.unknownTenants.slice(0, 10).map((t) => `${t.name} (${t.hostname ?? t.id})`).join(", ")}${unknown > 10 ? ", …" : ""}`);
  if (gone) notes.push(mrkdwn`${gone} customer tenant${gone === 1 ? " is" : "s are"} gone: ${f.goneTenants.slice(0, 10).map((g) => g.customer).join(", ")}${gone > 10 ? ", …" : ""}`);
  for (const a of f.pendingApprovals.slice(0, 5)) notes.push(mrkdwn`Pending approval: ${a.operation ?? "offboard"} ${a.customer} (request ${a.id}, expires ` + `${slackDate(a.expiresAt)})`);
  if (f.pendingApprovals.length > 5) notes.push(`… and ${f.pendingApprovals.length - 5} more pending approvals`);
  if (!f.live) notes.push("Registry only: no organisation-level OAuth client is configured for live tenant status.");
  return notes;
}

/** The whole fleet's counts, as the list job counted them (older results: from their rows). */
export function countsOfFleet(f: FleetResult): FleetCounts {
  if (f.total === undefined || (f.total > 0 && f.byWhere.length === 0)) return countFleet(f.rows);
  const counts: FleetCounts = { total: f.total, byWhere: {}, byStatus: {} };
  for (const w of f.byWhere) {
    for (const [status, n] of Object.entries(w.statuses)) {
      counts.byWhere[w.where || "?"] = (counts.byWhere[w.where || "?"] ?? 0) + n;
      counts.byStatus[status] = (counts.byStatus[status] ?? 0) + n;
    }
  }
  return counts;
}

/**
 * One page of a finished listing: its own rows from `offset`, or `rows` read from the registry for a
 * page past the rows the job kept (with the tenant status the job saw, where it saw one).
 */
export function pageOfFleet(f: FleetResult, offset: number, listing: string, scope: string, rows?: FleetRow[]): FleetPage {
  const counts = countsOfFleet(f);
  const start = Math.max(0, Math.min(offset, Math.max(0, counts.total - 1)));
  const kept = new Map(f.rows.map((r) => [r.customer, r]));
  const shown = rows ? rows.slice(0, FLEET_PAGE_SIZE).map((r) => ({ ...r, ...(kept.get(r.customer)?.tenantStatus ? { tenantStatus: kept.get(r.customer)!.tenantStatus } : {}) })) : f.rows.slice(start, start + FLEET_PAGE_SIZE);
  const after = shown.at(-1)?.customer;
  return { rows: shown, offset: start, counts, scope, listing, live: f.live, notes: fleetNotes(f), ...(after ? { after } : {}) };
}

const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => mrkdwn`${k} *${n.toLocaleString("en")}*`)
    .join(" · ");

/** The page as a message: fallback text, counts, rows, where the page is, and the buttons. */
export function fleetPageMessage(page: FleetPage): { text: string; blocks: KnownBlock[] } {
  const { counts, rows, offset } = page;
  const end = offset + rows.length;
  const head = counts.total === 0 ? "No customers match." : `${counts.total.toLocaleString("en")} customer${counts.total === 1 ? "" : "s"} (${page.scope})`;
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: mrkdwn`*${head}*` } }];
  if (counts.total > 0) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*By region or site*: ${countsText(counts.byWhere)}`, 2900) } });
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*By status*: ${countsText(counts.byStatus)}`, 2900) } });
    blocks.push({ type: "divider" });
    const lines = rows.map((r) => mrkdwn`*${r.customer}* · ${r.where}${r.deployment === "shared tenant" ? " (shared tenant)" : ""} · ${r.status}${r.tenantStatus ? ` (tenant ${r.tenantStatus})` : ""}` + (r.hostname ? ` · ${hostLink(r.hostname)}` : ""));
    blocks.push(...lineSections(lines, 10));
    blocks.push(contextLine(`Customers ${(offset + 1).toLocaleString("en")}–${end.toLocaleString("en")} of ${counts.total.toLocaleString("en")}`));
  }
  for (const note of page.notes.slice(0, 10)) blocks.push(contextLine(note));
  const buttons = [];
  if (end < counts.total) buttons.push({ type: "button" as const, action_id: NEXT_PAGE_ACTION, text: { type: "plain_text" as const, text: "Next page" }, value: JSON.stringify({ j: page.listing, o: end, s: clip(page.scope, 100), ...(page.after ? { a: page.after } : {}) }) });
  if (counts.total > 0) buttons.push({ type: "button" as const, action_id: CSV_ACTION, text: { type: "plain_text" as const, text: "Download CSV" }, value: JSON.stringify({ j: page.listing, s: clip(page.scope, 100) }) });
  if (buttons.length) blocks.push({ type: "actions", block_id: "fleet-page", elements: buttons });
  const fallback = [
    `${head}${counts.total ? `; showing ${offset + 1}–${end}` : ""}`,
    ...rows.map((r) => `${r.customer} ${r.where} ${r.status}${r.hostname ? ` ${r.hostname}` : ""}`),
  ].join("\n");
  return message(mrkdwn`${fallback}`, blocks);
}

const csvCell = (v: string | undefined) => {
  const s = v ?? "";
  // A leading = + - @ would make a spreadsheet run it as a formula: quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const fleetCsvHeader = "customer,where,deployment,status,tenant_status,hostname";

/** One customer as a CSV line (RFC 4180). */
export const fleetCsvLine = (r: FleetRow): string => [r.customer, r.where, r.deployment, r.status, r.tenantStatus, r.hostname].map(csvCell).join(",");

/** The whole listing as CSV (RFC 4180, CRLF lines), one customer per line. */
export function fleetCsv(rows: Iterable<FleetRow>): string {
  const lines = [fleetCsvHeader];
  for (const r of rows) lines.push(fleetCsvLine(r));
  return lines.join("\r\n") + "\r\n";
}
