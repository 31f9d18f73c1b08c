// Plain-text renderings shared by the shell and Slack (Slack wraps them in mrkdwn).
import type { CustomerRecord } from "../core/customer-registry.ts";
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

export function renderCustomer(r: CustomerRecord): string {
  const lines = [
    `${r.customer}: ${r.status}`,
    `  deployment: ${r.kind === "cloud" ? `Qlik Cloud, region ${r.region}` : `client-managed site ${r.site}`}`,
  ];
  if (r.tenantId) lines.push(`  tenant: ${r.tenantId}`);
  if (r.hostname ?? r.tenantHost) lines.push(`  hostname: ${r.hostname ?? r.tenantHost}`);
  if (r.purgeDate) lines.push(`  purge date: ${r.purgeDate}`);
  lines.push(`  requested by ${r.requestedBy} at ${r.requestedAt}; updated ${r.updatedAt}`);
  if (r.lastError) lines.push(`  last error: ${r.lastError}`);
  if (r.lastJobId) lines.push(`  last job: ${r.lastJobId}`);
  return lines.join("\n");
}

export function renderCustomerList(records: CustomerRecord[]): string {
  if (records.length === 0) return "No customers match.";
  const shown = records.slice(0, 50);
  const lines = shown.map((r) => `${r.customer.padEnd(24)} ${(r.region ?? r.site ?? "").padEnd(12)} ${r.status.padEnd(16)} ${r.hostname ?? r.tenantHost ?? ""}`.trimEnd());
  const more = records.length > shown.length ? [`… and ${records.length - shown.length} more; narrow with --region or --status.`] : [];
  return [`${records.length} customer${records.length === 1 ? "" : "s"}:`, ...lines, ...more].join("\n");
}
