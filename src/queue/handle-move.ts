/**
 * A move's jobs, by operation: its dry run, the move itself, going back and removing the source. After
 * the move, the source's removal is scheduled as a delayed job at the end of the grace period, and a
 * second approval is asked for (approving it runs that same job now); both are idempotent, so a move
 * resumed after a fault asks and schedules once.
 */
import type { Job } from "bullmq";
import { runMove } from "../core/run-move.ts";
import { moveBack } from "../core/move-back.ts";
import { removeMovedSource } from "../core/remove-moved-source.ts";
import { describeRemoval, planMove } from "../core/plan-move.ts";
import { requireCustomer } from "../core/customer-environment.ts";
import { placeFieldOf, targetOf, whereOf } from "../core/customer-registry.ts";
import { describeTarget, MOVE_PURGE_AFTER_DAYS, whereOfTarget } from "../core/customer-moves.ts";
import type { MoveCommand } from "../commands/command-schema.ts";
import { enqueueOperation } from "./enqueue-operation.ts";
import type { OperationJob } from "./job-payload.ts";
import type { Execution } from "./handle-operation.ts";
import type { OperationWorkerDeps, Report } from "./operation-worker.ts";
import { userError } from "../../adapters/port.ts";

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 3 : 1)} MB`;

export async function handleMove(job: Job, data: OperationJob, c: MoveCommand, deps: OperationWorkerDeps, report: Report, execution: Execution): Promise<unknown> {
  const moves = deps.moves;
  if (!moves) throw new Error("this worker was started without the moves store");
  const graceDays = deps.moveGraceDays ?? 7;
  const base = { registry: deps.registry, moves, checkpoints: deps.checkpoints, adapterFor: deps.adapterFor, jobId: job.id!, assertCurrent: execution.assertCurrent, ...(execution.fence ? { fence: execution.fence } : {}) };
  const moveId = data.approvalId ?? "";
  if (c.to.kind === "cloud" || c.to.kind === "client-managed") {
    const to = c.to;
    if (c.dryRun) {
      const record = await requireCustomer(deps.registry, c.customer);
      const plan = await planMove(record, deps.adapterFor(targetOf(record)), deps.adapterFor(to), to, graceDays);
      const targetSteps = plan.target.map((p) => ({ id: p.id, title: p.title, state: "planned" as const, outcome: p.action, detail: p.detail }));
      const appSteps = plan.apps.map((a) => ({ id: `app:${a.name}`, title: `Move app ${a.name}`, state: "planned" as const, outcome: "create", detail: `${mb(a.sizeBytes)}, from ${a.from} to ${a.to}` }));
      // In the order the move runs them: the apps go in once the target's spaces exist.
      const after = targetSteps.findIndex((s) => s.id === deps.adapterFor(to).apps?.importAfterStep);
      const cut = after < 0 ? targetSteps.length : after + 1;
      const steps = [...targetSteps.slice(0, cut), ...appSteps, ...targetSteps.slice(cut), { id: "remove-source", title: "Remove the source", state: "planned" as const, outcome: "update", detail: plan.removal }];
      const verdict = plan.refusals.length ? `The move would be refused: ${plan.refusals.join("; ")}.` : `Dry run: ${plan.apps.length} app${plan.apps.length === 1 ? "" : "s"} would move from ${plan.from} to ${plan.to}; nothing was changed.`;
      await report({ operation: "move-plan", customer: c.customer, where: `${whereOf(targetOf(record))} → ${whereOfTarget(to)}`, phase: "done", steps, summary: verdict });
      return plan;
    }
    const summary = await runMove({ ...base, attempt: job.attemptsMade + 1, report, graceDays }, c.customer, moveId);
    await afterMove(data, deps, c.customer, moveId, summary.removeAfter);
    await deps.audit.record({ user: data.requestedBy.user, surface: data.requestedBy.surface, action: "move", customer: c.customer, result: "moved", jobId: job.id!, approvalId: moveId, detail: `from ${summary.from} to ${summary.to}; apps moved: ${summary.apps.map((a) => `${a.name} (${a.sizeBytes} bytes)`).join(", ") || "none"}; source removal on ${summary.removeAfter.slice(0, 10)} or on a second approval` });
    return summary;
  }
  if (c.to.kind === "back") {
    const result = await moveBack({ ...base, ...(deps.approvals ? { approvals: deps.approvals } : {}) }, c.customer, moveId);
    // The scheduled removal has nothing to do any more; it would find the move gone back and remove nothing anyway.
    await deps.operations.remove(`move-removal.${c.customer}.${moveId}`).catch(() => undefined);
    await deps.audit.record({ user: data.requestedBy.user, surface: data.requestedBy.surface, action: "move back", customer: c.customer, result: "moved-back", jobId: job.id!, approvalId: moveId, detail: result.detail });
    await report({ operation: "move-back", customer: c.customer, where: "", phase: "done", steps: [], summary: `${result.detail}${result.purgeDate ? `; purge on ${result.purgeDate.slice(0, 10)}` : ""}` });
    return result;
  }
  // Chat refuses a move into a shared tenant; a job that asks for one anyway removes nothing.
  if (c.to.kind !== "remove-source") throw userError(`a customer is not moved into a shared tenant; ${c.customer} stays where it is`);
  // The job the move scheduled runs as qoem's; an approval that brought it forward is recorded with the move.
  const approvedBy = data.requestedBy.user !== "qoem" ? data.requestedBy.user : (await moves.get(c.customer))?.removalApprovedBy;
  const result = await removeMovedSource(base, c.customer, moveId, approvedBy);
  await deps.audit.record({ user: approvedBy ?? data.requestedBy.user, surface: data.requestedBy.surface, action: "move source removal", customer: c.customer, result: result.status, jobId: job.id!, approvalId: moveId, detail: `${approvedBy ? `approved by ${approvedBy}` : "after the grace period"}: ${result.detail}${result.purgeDate ? `; purge on ${result.purgeDate.slice(0, 10)}` : ""}` });
  await report({ operation: "move-removal", customer: c.customer, where: "", phase: "done", steps: [], summary: `${result.detail}${result.purgeDate ? `; purge on ${result.purgeDate.slice(0, 10)}` : ""}` });
  return result;
}

/** Schedules the source's removal at the end of the grace period and asks for the second approval that may bring it forward. */
async function afterMove(data: OperationJob, deps: OperationWorkerDeps, customer: string, moveId: string, removeAfter: string): Promise<void> {
  const move = await deps.moves!.get(customer);
  if (!move || move.id !== moveId) return;
  await enqueueOperation(
    deps.operations,
    deps.connection,
    { requestId: `removal-${moveId}`, operation: "move-removal", command: { name: "move", customer, to: { kind: "remove-source" }, dryRun: false }, approvalId: moveId, requestedBy: { user: "qoem", surface: data.requestedBy.surface }, requestedAt: new Date().toISOString() },
    { delayMs: Math.max(0, Date.parse(removeAfter) - Date.now()), ...(data.replyTo ? { beforeAdd: async () => data.replyTo } : {}) },
  );
  if (!deps.approvals || move.removalApprovalId) return;
  const record = await requireCustomer(deps.registry, customer);
  const asked = await deps.approvals.create({
    customer,
    operation: "move-removal",
    purgeAfterDays: MOVE_PURGE_AFTER_DAYS,
    requestedBy: data.requestedBy.user,
    requestedSurface: data.requestedBy.surface,
    deployment: `the source of ${customer}'s move: ${describeTarget(move.from)}`,
    effect: `${describeRemoval({ ...record, kind: move.from.kind, [placeFieldOf(move.from.kind)]: whereOfTarget(move.from), ...(move.fromTenantId ? { tenantId: move.fromTenantId } : {}) }, deps.moveGraceDays ?? 7).replace(/^once the target is healthy, after a second approval or \d+ days \([^)]*\): /, "")} now, instead of on ${removeAfter.slice(0, 10)}`,
    target: moveId,
  });
  if (!("approval" in asked)) return;
  await deps.moves!.update(customer, moveId, { removalApprovalId: asked.approval.id });
  // Posted in Slack with its buttons, as the requests the provisioning API asks for are (approvers may also type /qoem approve).
  if (asked.created) await deps.apiNotifications?.approvalRequested(asked.approval.id);
}
