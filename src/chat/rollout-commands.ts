/**
 * `/qoem rollout`: a rollout's request (the rollout and its approval made at once; nothing runs
 * before an approver other than the requester confirms), its dry run (a job, as chat never calls
 * Qlik), and status, pause, resume and cancel, which act on the rollout's record in core.
 */
import { randomUUID } from "node:crypto";
import { usage } from "../commands/help-text.ts";
import type { RolloutCommand } from "../commands/command-schema.ts";
import { enqueueOperation } from "../queue/enqueue-operation.ts";
import { replyToSchema } from "../queue/job-payload.ts";
import { customersInScope, describeScope, planWaves, sharedTenantsIn, sharedTenantOf } from "../core/plan-rollout.ts";
import { describeCounts } from "../core/run-rollout.ts";
import type { Rollout } from "../core/rollout-records.ts";
import type { ChatAnswer, ChatRequest, DispatchDeps } from "./dispatch-command.ts";
import { enqueue } from "./dispatch-command.ts";

const utc = (iso: string) => iso.slice(0, 16).replace("T", " ") + " UTC";

export async function answerRollout(command: RolloutCommand, req: ChatRequest, deps: DispatchDeps): Promise<ChatAnswer> {
  const refuse = (reason: string): ChatAnswer => ({ kind: "error", error: { reason, usage: usage.rollout, command: "rollout" } });
  if (command.action === "start") {
    if (command.dryRun) return enqueue(command, req, deps, `Dry run of the rollout of "${command.template}"`);
    return requestRollout(command, req, deps, refuse);
  }
  if (command.action === "run") return refuse("a rollout runs once it is approved; ask for one with rollout \"<template>\"");
  const id = command.rolloutId!;
  const rollout = await deps.rollouts.get(id);
  if (!rollout) return refuse(`there is no rollout ${id}`);
  const by = `${command.action} by ${req.user} at ${utc(new Date().toISOString())}`;
  switch (command.action) {
    case "status":
      return { kind: "info", command, text: await renderRolloutStatus(deps, rollout) };
    case "pause": {
      const paused = await deps.rollouts.update(id, ["running", "approved"], { status: "paused", pausedReason: `paused by ${req.user}`, lastControl: by });
      if (!paused.ok) return refuse(`rollout ${id} is ${paused.status ?? "gone"}; only a running or approved rollout can be paused`);
      return { kind: "info", command, text: `Rollout ${id} of "${rollout.template}" pauses: customers already under way finish, no other starts. /qoem rollout resume ${id} goes on.` };
    }
    case "resume": {
      // A wave that passed the threshold and is resumed no longer pauses on its failures: someone looked at them.
      const resumed = await deps.rollouts.update(id, ["paused"], { status: "running", acceptedWave: String(rollout.currentWave), pausedReason: "", lastControl: by });
      // A running or approved rollout whose job is gone (a failure used its attempts up) is started again; a live job is joined.
      if (!resumed.ok && resumed.status !== "running" && resumed.status !== "approved") return refuse(`rollout ${id} is ${resumed.status ?? "gone"}; only a paused rollout can be resumed`);
      const result = await runRolloutJob(deps, req, rollout);
      return { kind: "operation", command, jobId: result.jobId, disposition: result.disposition === "done" ? "queued" : result.disposition, text: result.disposition === "running" ? `Rollout ${id} is already running (job ${result.jobId}).` : `Rollout ${id} of "${rollout.template}" resumes from wave ${rollout.currentWave + 1} (job ${result.jobId}).` };
    }
    case "cancel": {
      const cancelled = await deps.rollouts.update(id, ["requested", "awaiting-approval", "approved", "running", "paused"], { status: "cancelled", endedAt: new Date().toISOString(), lastControl: by });
      const kept = await deps.rollouts.keptCount(id);
      // A cancelled rollout whose kept apps are not all removed yet (its job was gone or cut short): cancel again finishes that.
      if (!cancelled.ok && !(cancelled.status === "cancelled" && kept > 0)) return refuse(`rollout ${id} is already ${cancelled.status ?? "gone"}`);
      const counts = await deps.rollouts.counts(id);
      // The rollout's job removes the previous apps updated customers kept: the running one once its customers under way
      // finished, else (a paused rollout) the job run again for that alone.
      const removal = kept > 0 ? await runRolloutJob(deps, req, rollout) : undefined;
      const keptText = removal ? ` The previous apps the ${kept} updated customers kept are being removed (job ${removal.jobId}).` : "";
      return { kind: "info", command, text: `Rollout ${id} of "${rollout.template}" is cancelled: customers already under way finish (or go back), no other starts. So far: ${describeCounts(counts)}.${keptText} The template is free for another rollout.` };
    }
  }
}

/** The rollout's one driver job, started again (or joined when it runs); its progress message stays where the approval put it. */
async function runRolloutJob(deps: DispatchDeps, req: ChatRequest, rollout: Rollout) {
  const approval = rollout.approvalId ? await deps.approvals.get(rollout.approvalId) : undefined;
  const replyTo = replyToSchema.safeParse({ surface: "slack", channel: approval?.replyChannel, threadTs: approval?.replyThreadTs, progressTs: approval?.replyProgressTs });
  return enqueueOperation(
    deps.operations,
    deps.redis,
    { requestId: randomUUID(), operation: "rollout", command: { name: "rollout", action: "run", rolloutId: rollout.id }, requestedBy: { user: req.user, surface: req.surface }, requestedAt: new Date().toISOString() },
    { rerunCompleted: true, ...(replyTo.success ? { beforeAdd: async () => replyTo.data } : {}) },
  );
}

async function requestRollout(command: RolloutCommand, req: ChatRequest, deps: DispatchDeps, refuse: (reason: string) => ChatAnswer): Promise<ChatAnswer> {
  const template = command.template!;
  const scope = command.scope ?? { kind: "all" as const };
  if (!deps.access.approversConfigured) return refuse("no approvers are configured (QOEM_APPROVERS or roles.approvers), so the rollout could never be approved; nothing was requested");
  const live = await deps.rollouts.liveOf(template);
  if (live) return refuse(`"${template}" already has a rollout ${live.status} (${live.id}); one rollout per template at a time. See /qoem rollout status ${live.id}`);
  const regions = Object.fromEntries(Object.entries(deps.sharedTenants ?? {}).flatMap(([name, t]) => (t.region ? [[name, t.region]] : [])));
  const inScope = await customersInScope(deps.registry, scope, (region) => sharedTenantsIn(regions, region));
  if (!inScope.ok) return refuse(inScope.reason);
  if (inScope.customers.length === 0) return refuse(`the rollout would reach nobody: the scope is ${describeScope(scope)}, and there are none`);
  const canary = command.canary ?? deps.rolloutDefaults.canary;
  const thresholdPct = command.thresholdPct ?? deps.rolloutDefaults.thresholdPct;
  const together = new Map(inScope.customers.map((c) => [c.customer, sharedTenantOf(c)]));
  const waves = planWaves(inScope.customers.map((c) => c.customer), canary, (c) => together.get(c));
  const made = await deps.rollouts.create({ template, scope, canary, thresholdPct, requestedBy: req.user, requestedSurface: req.surface, waves });
  if (!made.created) return refuse(`"${template}" already has a live rollout (${made.live}); one rollout per template at a time`);
  const rollout = made.rollout;
  const sizes = waves.map((w) => w.length).join(", ");
  const result = await deps.approvals.create({
    customer: "",
    operation: "rollout",
    rolloutId: rollout.id,
    template,
    purgeAfterDays: 0,
    requestedBy: req.user,
    requestedSurface: req.surface,
    deployment: `${rollout.total} customers: ${describeScope(scope)}`,
    effect: `the template's current version replaces "${template}" in ${waves.length} waves (${sizes} customers); each is reloaded and checked, and goes back to its previous app if the check fails; a wave with more than ${thresholdPct}% failures pauses the rollout`,
  });
  if (!result.created) {
    await deps.rollouts.update(rollout.id, ["requested", "awaiting-approval"], { status: "cancelled", endedAt: new Date().toISOString() });
    return refuse(`the rollout could not be put up for approval (${"status" in result ? `it is ${result.status}` : `request ${result.approval.id} exists`}); nothing was requested`);
  }
  await deps.rollouts.update(rollout.id, ["awaiting-approval"], { approvalId: result.approval.id });
  const text = `Rollout ${rollout.id} of "${template}" requested: ${rollout.total} customers in ${waves.length} waves (${sizes}), pausing past ${thresholdPct}% failures per wave. Approval ${result.approval.id} is pending until ${utc(new Date(result.approval.expiresAt).toISOString())}; an approver other than you must approve it. Nothing changes until then.`;
  return { kind: "approval", command, approval: result.approval, created: true, text };
}

/** `rollout status <id>`: counts per state, the waves, and the failures with their reasons. */
export async function renderRolloutStatus(deps: Pick<DispatchDeps, "rollouts">, rollout: Rollout): Promise<string> {
  const counts = await deps.rollouts.counts(rollout.id);
  const failures = await deps.rollouts.failures(rollout.id, 20);
  const versions = Object.entries(rollout.versions ?? {}).map(([source, v]) => `${source} ${v.version}`);
  const lines = [
    `Rollout ${rollout.id} of "${rollout.template}": ${rollout.status}${rollout.pausedReason ? ` (${rollout.pausedReason})` : ""}`,
    `  scope: ${describeScope(rollout.scope)}; ${rollout.total} customers in ${rollout.waveSizes.length} waves (${rollout.waveSizes.join(", ")}); now at wave ${Math.min(rollout.currentWave + 1, rollout.waveSizes.length)}; threshold ${rollout.thresholdPct}% per wave`,
    `  customers: ${describeCounts(counts)}`,
    ...(versions.length ? [`  version: ${versions.join(", ")}`] : []),
    `  requested by ${rollout.requestedBy} at ${utc(rollout.requestedAt)}${rollout.approvalId ? ` (approval ${rollout.approvalId})` : ""}${rollout.startedAt ? `; started ${utc(rollout.startedAt)}` : ""}${rollout.endedAt ? `; ended ${utc(rollout.endedAt)}` : ""}`,
    ...(rollout.lastControl ? [`  last ${rollout.lastControl}`] : []),
  ];
  if (failures.length) {
    lines.push("  failed or rolled back:");
    for (const f of failures) lines.push(`    ${f.customer}: ${f.state}: ${f.reason || "no reason recorded"}`);
  }
  const kept = await deps.rollouts.keptCount(rollout.id);
  if (kept > 0) lines.push(`  previous apps kept until the rollout ends: ${kept}${rollout.status === "completed" || rollout.status === "cancelled" ? " (being removed)" : ""}`);
  const left = await deps.rollouts.keptLeft(rollout.id, 20);
  if (left.length) {
    lines.push("  previous apps that could not be removed:");
    for (const l of left) lines.push(`    ${l.customer}: ${l.reason}`);
  }
  return lines.join("\n");
}
