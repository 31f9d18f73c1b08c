/**
 * `move <customer> <region> [--dry-run]` and `move <customer> back` as the chat layer answers them:
 * the dry run is queued (reads only); a move asks an approver (core's approvals move the customer to
 * move-pending in the same step); a failed move is resumed to the same target without a new approval;
 * going back is queued once the move's job has ended. The source's removal is asked for by the move itself.
 */
import { randomUUID } from "node:crypto";
import { usage } from "../commands/help-text.ts";
import type { MoveCommand } from "../commands/command-schema.ts";
import { enqueueOperation } from "../queue/enqueue-operation.ts";
import { targetOf, whereOf, type CustomerRecord } from "../core/customer-registry.ts";
import { describeTarget, whereOfTarget, type CustomerMove } from "../core/customer-moves.ts";
import { describeRemoval } from "../core/plan-move.ts";
import type { ChatAnswer, ChatRequest, DispatchDeps } from "./dispatch-command.ts";
import { checkLifecycle } from "./check-lifecycle.ts";
import { enqueue, unknownCustomer } from "./dispatch-command.ts";

const still = new Set(["active", "waiting", "delayed", "prioritized", "waiting-children"]);

export async function moveCustomer(command: MoveCommand, req: ChatRequest, deps: DispatchDeps): Promise<ChatAnswer> {
  const record = await deps.registry.get(command.customer);
  if (!record) return unknownCustomer(deps, command.customer, "move");
  const refuse = (reason: string): ChatAnswer => ({ kind: "error", error: { reason, usage: usage.move, command: "move" } });
  const moves = deps.moves;
  if (!moves) return refuse("this qoem was started without moves");
  const to = command.to;
  if (to.kind === "remove-source") return refuse("the source's removal follows a move on its own (a second approval or the grace period)");
  const move = await moves.get(command.customer);

  if (to.kind === "back") {
    const check = await checkLifecycle(deps, "move back", record);
    if (!check.ok) return refuse(check.reason);
    if (!move || move.phase === "moved-back") return refuse(`${command.customer} has no move to go back from`);
    if (move.phase === "removing" || move.phase === "removed") return refuse(`${command.customer}'s source (${describeTarget(move.from)}) is already being removed; there is nothing to go back to`);
    const state = await deps.operations.getJobState(`move.${command.customer}.${move.id}`).catch(() => "unknown");
    if (still.has(state)) return refuse(`${command.customer}'s move is still ${state} (job move.${command.customer}.${move.id}); wait for it to finish or fail, then move back`);
    return enqueueMovePart(command, req, deps, move.id, `Going back to ${describeTarget(move.from)} for ${command.customer}`);
  }

  // The guide's shared tenant is for a few anonymous, identical customers: qoem onboards into it, never moves into it.
  if (to.kind === "shared") return refuse(`a customer is not moved into a shared tenant; onboard a new customer there with /qoem onboard <customer> ${to.tenant}, or move ${command.customer} to a region`);
  const where = whereOfTarget(to);
  if (record.status === "moving") return command.dryRun ? refuse(`${command.customer} is moving: a move is already running; /qoem status ${command.customer} shows it`) : retryRemoval(command, req, deps, move, where);
  const check = await checkLifecycle(deps, "move", record, where);
  if (!check.ok) return refuse(check.reason);
  if (command.dryRun) return enqueue(command, req, deps, `Dry run of moving ${command.customer} from ${whereOf(targetOf(record))} to ${where}`);

  if (record.status === "move-failed") {
    if (!move) return refuse(`${command.customer}'s failed move is not recorded any more; send /qoem move ${command.customer} back`);
    if (whereOfTarget(move.to) !== where) return refuse(`${command.customer}'s move to ${whereOfTarget(move.to)} stopped; resume it with /qoem move ${command.customer} ${whereOfTarget(move.to)}, or go back with /qoem move ${command.customer} back before moving elsewhere`);
    // Approved once: resuming it needs no new approval, and the job resumes from the move's checkpoint.
    const moved = await deps.registry.transition(command.customer, ["move-failed"], { status: "moving", lastError: "" });
    if (!moved.ok) return refuse(`${command.customer} changed while the move was resumed (it is ${moved.status ?? "gone"} now)`);
    return enqueueMovePart(command, req, deps, move.id, `Resuming the move of ${command.customer} to ${where}`);
  }
  return requestMove(command, to, req, deps, record);
}

/**
 * `move <customer> <to>` while moving: only a removal of the source that failed is run again (it was allowed
 * already, by the second approval or the grace period); anything else is a move still under way.
 */
async function retryRemoval(command: MoveCommand, req: ChatRequest, deps: DispatchDeps, move: CustomerMove | undefined, where: string): Promise<ChatAnswer> {
  const refuse = (reason: string): ChatAnswer => ({ kind: "error", error: { reason, usage: usage.move, command: "move" } });
  const running = `${command.customer} is moving${move ? ` to ${whereOfTarget(move.to)}` : ""}: a move is already running; follow its thread or /qoem status ${command.customer}, or /qoem move ${command.customer} back`;
  if (!move || whereOfTarget(move.to) !== where || (move.phase !== "moved" && move.phase !== "removing")) return refuse(running);
  const jobId = `move-removal.${command.customer}.${move.id}`;
  const state = await deps.operations.getJobState(jobId).catch(() => "unknown");
  if (state !== "failed") return refuse(`${command.customer} is moved to ${where}; its source is removed on ${move.removeAfter?.slice(0, 16).replace("T", " ") ?? "-"} UTC or sooner on a second approval${move.removalApprovalId ? ` (request ${move.removalApprovalId})` : ""}; /qoem move ${command.customer} back returns to it until then`);
  const removal: MoveCommand = { name: "move", customer: command.customer, to: { kind: "remove-source" }, dryRun: false };
  const result = await enqueueOperation(deps.operations, deps.redis, { requestId: randomUUID(), operation: "move-removal", command: removal, approvalId: move.id, requestedBy: { user: req.user, surface: req.surface }, requestedAt: new Date().toISOString() });
  return { kind: "operation", command, jobId: result.jobId, disposition: result.disposition === "done" ? "queued" : result.disposition, text: `Removing ${command.customer}'s source again (job ${result.jobId}).` };
}

async function enqueueMovePart(command: MoveCommand, req: ChatRequest, deps: DispatchDeps, moveId: string, what: string): Promise<ChatAnswer> {
  const operation = command.to.kind === "back" ? ("move-back" as const) : ("move" as const);
  const result = await enqueueOperation(deps.operations, deps.redis, { requestId: randomUUID(), operation, command, approvalId: moveId, requestedBy: { user: req.user, surface: req.surface }, requestedAt: new Date().toISOString() }, { rerunCompleted: true });
  const text = result.disposition === "running" ? `${what}: already under way (job ${result.jobId}).` : `${what}… (job ${result.jobId})`;
  return { kind: "operation", command, jobId: result.jobId, disposition: result.disposition === "done" ? "queued" : result.disposition, text };
}

async function requestMove(command: MoveCommand, to: { kind: "cloud"; region: string } | { kind: "client-managed"; site: string }, req: ChatRequest, deps: DispatchDeps, record: CustomerRecord): Promise<ChatAnswer> {
  const refuse = (reason: string): ChatAnswer => ({ kind: "error", error: { reason, usage: usage.move, command: "move" } });
  if (!deps.access.approversConfigured) return refuse("no approvers are configured (QOEM_APPROVERS or roles.approvers), so the move could never be approved; nothing was requested");
  const result = await deps.approvals.create({
    customer: command.customer,
    operation: "move",
    purgeAfterDays: 30,
    requestedBy: req.user,
    requestedSurface: req.surface,
    deployment: `from ${describeTarget(targetOf(record))}${record.tenantId ? ` (tenant ${record.tenantId})` : ""} to ${describeTarget(to)}`,
    effect: `a new environment is built on ${describeTarget(to)} as an onboard builds it, and each of ${command.customer}'s apps is exported, imported to staging and published there; the source is removed ${describeRemoval(record, deps.moveGraceDays ?? 7)}`,
    target: to.kind === "cloud" ? `cloud:${to.region}` : `client-managed:${to.site}`,
  });
  if ("status" in result) {
    const now = await deps.registry.get(command.customer);
    const again = now ? await checkLifecycle(deps, "move", now, whereOfTarget(to)) : { ok: false as const, reason: `qoem knows no customer named ${command.customer}` };
    return refuse(again.ok ? `${command.customer} changed status while the request was made; try again` : again.reason);
  }
  const { approval, created } = result;
  const text = created
    ? `Move of ${command.customer} to ${whereOfTarget(to)} requested: approval ${approval.id} is pending until ${new Date(approval.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC. An approver other than you must approve it; nothing is moved until then. /qoem move ${command.customer} ${whereOfTarget(to)} --dry-run shows the plan.`
    : `A request to ${approval.operation} ${command.customer} is already waiting for approval (request ${approval.id}).`;
  return { kind: "approval", command, approval, created, text };
}
