/**
 * Block Kit for the answers of read commands: `status` as a card (deployment, host as a link, status,
 * last job, pending approval, buttons for the safe commands), `audit` with times in the reader's own
 * zone, `health <customer>` with its reasons as a list and the verdict's colour. Each keeps the plain
 * text the shell shows as its fallback. Every outside value is escaped (mrkdwn.ts).
 */
import type { KnownBlock } from "@slack/types";
import { z } from "zod";
import type { CommandName } from "../../commands/command-schema.ts";
import { details, examples, usage } from "../../commands/help-text.ts";
import type { Approval } from "../../core/approvals.ts";
import type { InfoDetail } from "../dispatch-command.ts";
import { codeBlock, escapeMrkdwn, hostLink, mention, mrkdwn, slackDate } from "./mrkdwn.ts";
import { clip, commandButton, contextLine, lineSections, message } from "./slack-blocks.ts";

/** Buttons of read-only commands: `qoem_run_<command>`; the handler runs only these (see register-command-buttons.ts). */
export const SAFE_BUTTON_COMMANDS = ["health", "audit", "status"] as const;
export const runActionId = (command: (typeof SAFE_BUTTON_COMMANDS)[number]) => `qoem_run_${command}`;

const field = (label: string, value: string) => ({ type: "mrkdwn" as const, text: clip(`*${label}*\n${value}`, 2000) });

function statusCard(d: Extract<InfoDetail, { kind: "status" }>, fallback: string) {
  const r = d.record;
  const host = r.hostname ?? r.tenantHost;
  const fields = [
    field("Deployment", r.kind === "cloud" ? mrkdwn`Qlik Cloud, region ${r.region ?? "?"}` : mrkdwn`client-managed site ${r.site ?? "?"}`),
    field("Host", host ? String(hostLink(host)) : "none yet"),
    field("Status", mrkdwn`${r.status}`),
    field("Last job", r.lastJobId ? mrkdwn`${r.lastJobId}` : "none"),
    field("Requested", mrkdwn`by ${mention(r.requestedBy)} ${slackDate(r.requestedAt)}`),
    field("Updated", String(slackDate(r.updatedAt))),
  ];
  if (r.tenantId) fields.push(field("Tenant", mrkdwn`${r.tenantId}`));
  if (r.templates) fields.push(field("Templates", mrkdwn`${r.templates.split("|").join(", ")}`));
  if (r.purgeDate) fields.push(field("Purge date", String(slackDate(r.purgeDate, "{date_long}"))));
  if (r.residency) fields.push(field("Data residency", mrkdwn`${r.residency}`));
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: mrkdwn`*${r.customer}*: ${r.status}` } },
    { type: "section", fields: fields.slice(0, 10) },
  ];
  if (r.lastError) blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(mrkdwn`*Last error*: ${r.lastError}`, 2900) } });
  const p = d.pending;
  if (p) blocks.push({ type: "section", text: { type: "mrkdwn", text: mrkdwn`*Pending approval*: ${p.operation} requested by ${mention(p.requestedBy)} ${slackDate(p.requestedAt)} (request ${p.id}, expires ${slackDate(p.expiresAt)})` } });
  blocks.push(contextLine(d.next.length ? mrkdwn`What you can do now: ${d.next.join(", ")}` : "What you can do now: wait; qoem is running an operation on it"));
  blocks.push({
    type: "actions",
    block_id: clip(`status:${r.customer}`, 255),
    elements: [commandButton("Health", `health ${r.customer}`, runActionId("health")), commandButton("Audit", `audit ${r.customer}`, runActionId("audit"))],
  });
  return message(fallback, blocks);
}

function auditBlocks(d: Extract<InfoDetail, { kind: "audit" }>, fallback: string) {
  if (d.entries.length === 0) return message(fallback, [{ type: "section", text: { type: "mrkdwn", text: fallback } }]);
  const lines = d.entries.map((e) => {
    const extra = [e.jobId && `job ${e.jobId}`, e.approvalId && `request ${e.approvalId}`, e.detail].filter(Boolean).join("; ");
    return `${slackDate(e.at)} ` + mrkdwn`${mention(e.user)} (${e.surface}): ${e.action} → *${e.result}*${extra ? ` (${extra})` : ""}`;
  });
  const head = d.customer ? mrkdwn`*What happened to ${d.customer}*, newest first` : "*What happened*, newest first";
  return message(fallback, [{ type: "section", text: { type: "mrkdwn", text: head } }, ...lineSections(lines, 20)]);
}

/** `help` as Block Kit: each command's usage, what it does and an example (or one command's). */
function helpBlocks(topic: CommandName | undefined, fallback: string) {
  const names = topic ? [topic] : (Object.keys(usage) as CommandName[]);
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: topic ? mrkdwn`*/qoem ${topic}*` : "*qoem runs your customers' Qlik environments.* `/qoem onboard` alone opens a form." } }];
  for (const name of names) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(mrkdwn`\`/qoem ${usage[name]}\`\n${details[name]}\nExample: \`/qoem ${examples[name]}\``, 2900) } });
  }
  if (!topic) blocks.push(contextLine(mrkdwn`/qoem help ${"<command>"} shows one command's details.`));
  return message(fallback, blocks);
}

/** A read command's answer: Block Kit where qoem has a layout for it (the plain text, escaped, as its fallback), else the text as a code block. */
export function infoMessage(text: string, detail?: InfoDetail): { text: string; blocks?: KnownBlock[] } {
  if (detail?.kind === "status") return statusCard(detail, escapeMrkdwn(text));
  if (detail?.kind === "audit") return auditBlocks(detail, escapeMrkdwn(text));
  if (detail?.kind === "help") return helpBlocks(detail.topic, escapeMrkdwn(text));
  return { text: codeBlock(text) };
}

const healthSchema = z.object({ customer: z.string(), verdict: z.enum(["green", "amber", "red"]), reasons: z.array(z.string()), checkedAt: z.string() });
/** Slack's attachment colours for the verdicts (the bar beside the message). */
export const verdictColour = { green: "#2eb67d", amber: "#ecb22e", red: "#e01e5a" } as const;
const verdictIcon = { green: "🟢", amber: "🟠", red: "🔴" } as const;

/** `health <customer>`: the verdict, when it was checked, the reasons as a list, coloured by verdict; undefined if `result` is not a health report. */
export function healthMessage(result: unknown, fallback: string) {
  const h = healthSchema.safeParse(result);
  if (!h.success) return undefined;
  const { customer, verdict, reasons, checkedAt } = h.data;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: mrkdwn`${verdictIcon[verdict]} *${customer}* is *${verdict}*` } },
    ...lineSections(reasons.length ? reasons.map((r) => mrkdwn`• ${r}`) : ["• nothing to report"], 10),
    contextLine(`Checked ${slackDate(checkedAt)}`),
    { type: "actions", block_id: clip(`health:${customer}`, 255), elements: [commandButton("Status", `status ${customer}`, runActionId("status")), commandButton("Audit", `audit ${customer}`, runActionId("audit"))] },
  ];
  return { text: clip(mrkdwn`${fallback}`, 39_000), attachments: [{ color: verdictColour[verdict], blocks }] };
}

/** A request for approval just made, as its asker reads it in Slack: the expiry in their own time zone. */
const requested: Record<Approval["operation"], string> = { offboard: "Offboard", abandon: "Abandoning the onboard", move: "Move", "move-removal": "Removal of the moved source", rollout: "Rollout" };

/** The requester's answer: what waits for an approver and until when; a rollout's says its waves (`said`, the dispatch's text). */
export function approvalRequestedText(a: Approval, said?: string): string {
  if (a.operation === "rollout" && said) return mrkdwn`${said}`;
  const effect = a.operation === "move" ? "nothing moves until then" : "nothing is removed until then";
  return mrkdwn`${requested[a.operation]} of ${a.customer} requested: approval ${a.id} is pending until ` + `${slackDate(a.expiresAt)}. An approver other than you must approve it; ${effect}.`;
}
