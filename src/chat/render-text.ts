// Plain-text renderings shared by the shell and Slack (Slack wraps them in mrkdwn).
import { z } from "zod";
import { templateVersionsOf, type CustomerRecord } from "../core/customer-registry.ts";
import { placesLine } from "../core/count-shared-places.ts";
import type { Approval } from "../core/approvals.ts";
import type { AuditEntry } from "../core/audit-log.ts";
import type { OperationProgress, StepState } from "../core/operation-progress.ts";

const stepIcon: Record<StepState["state"], string> = { pending: "·", running: "…", done: "✓", failed: "✗", planned: "→" };

export function renderStep(step: StepState): string {
  const took = step.durationMs !== undefined && step.state !== "planned" ? ` (${(step.durationMs / 1000).toFixed(1)}s${step.resumed ? ", earlier attempt" : ""})` : "";
  const outcome = step.outcome ? ` ${step.outcome}` : "";
  return `${stepIcon[step.state]} ${step.title}${outcome}${step.detail ? `: ${step.detail}` : ""}${took}`;
}

export function renderProgress(p: OperationProgress): string {
  const head = `${p.operation} ${p.customer} → ${p.where}: ${p.phase}`;
  const lines = [head, ...p.steps.map(renderStep)];
  if (p.note) lines.push(p.note);
  if (p.summary) lines.push(p.summary);
  return lines.join("\n");
}

/** `placesUsed`: for a customer in a shared tenant, how many of its places are taken. */
export function renderCustomer(r: CustomerRecord, pending?: Approval, next: string[] = [], placesUsed?: number): string {
  const where =
    r.kind === "cloud" ? `own tenant (Qlik Cloud, region ${r.region})` : r.kind === "shared" ? `shared tenant ${r.sharedTenant}${placesUsed !== undefined ? ` (${placesLine(placesUsed)})` : ""}` : `site (client-managed site ${r.site})`;
  const lines = [`${r.customer}: ${r.status}`, `  deployment: ${where}`];
  if (r.tenantId) lines.push(`  tenant: ${r.tenantId}`);
  if (r.hostname ?? r.tenantHost) lines.push(`  hostname: ${r.hostname ?? r.tenantHost}`);
  if (r.purgeDate) lines.push(`  purge date: ${r.purgeDate}`);
  lines.push(`  requested by ${r.requestedBy} at ${r.requestedAt}; updated ${r.updatedAt}`);
  if (r.lastError) lines.push(`  last error: ${r.lastError}`);
  if (r.lastJobId) lines.push(`  last job: ${r.lastJobId}`);
  if (r.templates) lines.push(`  templates: ${r.templates.split("|").join(", ")}`);
  const versions = Object.entries(templateVersionsOf(r));
  if (versions.length) lines.push(`  template versions: ${versions.map(([t, v]) => `${t} ${v}`).join(", ")}`);
  if (r.residency) lines.push(`  data residency: ${r.residency}`);
  if (r.personalData === "yes") lines.push("  personal data: yes (never in a shared tenant)");
  if (pending) lines.push(`  pending approval: ${pending.operation} requested by ${pending.requestedBy} at ${pending.requestedAt.slice(0, 16).replace("T", " ")} UTC (request ${pending.id}, expires ${new Date(pending.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC)`);
  lines.push(next.length ? `  what you can do now: ${next.join(", ")}` : "  what you can do now: wait; qoem is running an operation on it");
  return lines.join("\n");
}

export function renderAudit(entries: AuditEntry[], customer?: string): string {
  if (entries.length === 0) return customer ? `Nothing is recorded for ${customer}.` : "The audit log is empty.";
  const lines = [`${customer ? `What happened to ${customer}` : "What happened"}, newest first:`];
  for (const e of entries) {
    const extra = [e.jobId && `job ${e.jobId}`, e.approvalId && `request ${e.approvalId}`, e.detail].filter(Boolean).join("; ");
    lines.push(`${e.at.slice(0, 19).replace("T", " ")}  ${e.user} (${e.surface}): ${e.action} → ${e.result}${extra ? ` (${extra})` : ""}`);
  }
  return lines.join("\n");
}

const verdictMark = { green: "🟢 green", amber: "🟠 amber", red: "🔴 red" } as const;
const healthSchema = z.object({ customer: z.string(), verdict: z.enum(["green", "amber", "red"]), reasons: z.array(z.string()), checkedAt: z.string() });
/** The `list` job's result (core's FleetView) as surfaces read it back. */
export const fleetSchema = z.object({
  rows: z.array(z.object({ customer: z.string(), where: z.string(), deployment: z.string().default(""), status: z.string(), tenantStatus: z.string().optional(), hostname: z.string().optional() })),
  sharedPlaces: z.array(z.object({ tenant: z.string(), used: z.number() })).default([]),
  live: z.boolean(),
  unknownTenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string().optional(), region: z.string().optional() })),
  goneTenants: z.array(z.object({ customer: z.string(), tenantId: z.string() })),
  pendingApprovals: z.array(z.object({ id: z.string(), customer: z.string(), operation: z.string().optional(), requestedBy: z.string(), expiresAt: z.number() })).default([]),
  // Counts of the whole fleet (the lists above hold the first page only); absent in results of older versions.
  total: z.number().optional(),
  byWhere: z.array(z.object({ where: z.string(), statuses: z.record(z.string(), z.number()) })).default([]),
  unknownTenantCount: z.number().optional(),
  goneTenantCount: z.number().optional(),
});
const lifecycleSchema = z.object({ status: z.string(), detail: z.string(), purgeDate: z.string().optional() });

export function renderHealth(result: unknown): string | undefined {
  const h = healthSchema.safeParse(result);
  if (!h.success) return undefined;
  const lines = [`${h.data.customer}: ${verdictMark[h.data.verdict]} (checked ${h.data.checkedAt.slice(0, 19).replace("T", " ")} UTC)`];
  for (const r of h.data.reasons) lines.push(`  • ${r}`);
  return lines.join("\n");
}

export function renderFleet(result: unknown): string | undefined {
  const f = fleetSchema.safeParse(result);
  if (!f.success) return undefined;
  const { rows, live, unknownTenants, goneTenants, pendingApprovals, byWhere, sharedPlaces } = f.data;
  const total = f.data.total ?? rows.length;
  const unknownCount = f.data.unknownTenantCount ?? unknownTenants.length;
  const goneCount = f.data.goneTenantCount ?? goneTenants.length;
  const lines = [total === 0 ? "No customers match." : `${total} customer${total === 1 ? "" : "s"}${live ? " (tenant status live from the organisation listing)" : ""}:`];
  // Beyond one page, the counts say where the fleet is; the rows are the first few by name.
  if (total > 50) for (const w of byWhere) lines.push(`  ${w.where.padEnd(14)} ${Object.entries(w.statuses).map(([status, n]) => `${n} ${status}`).join(", ")}`);
  const row = (cells: readonly string[]) => `${cells[0]!.padEnd(24)} ${cells[1]!.padEnd(14)} ${cells[2]!.padEnd(12)} ${cells[3]!.padEnd(16)} ${cells[4]!.padEnd(10)} ${cells[5]!}`.trimEnd();
  if (rows.length) lines.push(row(["CUSTOMER", "DEPLOYMENT", "WHERE", "STATUS", "TENANT", "HOST"]));
  for (const r of rows.slice(0, 50)) lines.push(row([r.customer, r.deployment, r.where, r.status, r.tenantStatus ?? "", r.hostname ?? ""]));
  if (total > 50) lines.push(`… and ${total - Math.min(rows.length, 50)} more; narrow with --region or --status.`);
  for (const p of sharedPlaces) lines.push(`shared tenant ${p.tenant}: ${placesLine(p.used)}`);
  if (unknownCount) {
    lines.push(`${unknownCount} tenant${unknownCount === 1 ? "" : "s"} qoem does not know: ${unknownTenants.slice(0, 10).map((t) => `${t.name} (${t.hostname ?? t.id}, ${t.region ?? "?"})`).join(", ")}${unknownCount > 10 ? ", …" : ""}`);
  }
  if (goneCount) lines.push(`${goneCount} customer${goneCount === 1 ? "'s" : "s'"} tenant is gone: ${goneTenants.slice(0, 25).map((g) => `${g.customer} (${g.tenantId})`).join(", ")}${goneCount > 25 ? ", …" : ""}`);
  for (const a of pendingApprovals) lines.push(`pending approval: ${a.operation ?? "offboard"} ${a.customer} requested by ${a.requestedBy} (request ${a.id}, expires ${new Date(a.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC)`);
  if (!live) lines.push("(registry only: no organisation-level OAuth client is configured for live tenant status)");
  return lines.join("\n");
}

/** Text for a finished operation's result, or undefined where its progress summary says it all. */
export function renderResult(operation: string, result: unknown): string | undefined {
  if (operation === "health") return renderHealth(result);
  if (operation === "list") return renderFleet(result);
  if (operation === "reactivate" || operation === "offboard" || operation === "abandon" || operation === "move-back" || operation === "move-removal") {
    const r = lifecycleSchema.safeParse(result);
    return r.success ? `${r.data.detail}${r.data.purgeDate ? `; purge on ${r.data.purgeDate.slice(0, 10)}` : ""}` : undefined;
  }
  return undefined;
}

/** What a surface says when it stops following an operation that has not ended (the operation goes on). */
export function renderStillRunning(jobId: string, progress?: OperationProgress): string {
  const what = progress ? `${progress.operation} ${progress.customer} → ${progress.where}` : `job ${jobId}`;
  return `⏳ ${what} has not finished yet (${progress?.phase ?? "not started"}); it goes on, but this answer stops waiting for it.${progress ? ` \`status ${progress.customer}\` shows how it ends.` : ""}`;
}
