/**
 * Approvals as the chat layer asks for them: removals (an offboard, abandoning an onboard that made
 * something, a move and the removal of a moved customer's source; move-customer.ts asks for a move,
 * rollout-commands.ts for a rollout) and every decision: core's approvals decide, atomically with the customer's status
 * (four eyes, expiry, exactly once); this module words the request and, once approved, enqueues
 * exactly one job, whose id is the approval's.
 */
import { randomUUID } from "node:crypto";
import { usage } from "../commands/help-text.ts";
import type { Command } from "../commands/command-schema.ts";
import { enqueueOperation } from "../queue/enqueue-operation.ts";
import { replyToSchema } from "../queue/job-payload.ts";
import { subjectOf, type Approval } from "../core/approvals.ts";
import type { CustomerRecord } from "../core/customer-registry.ts";
import { ABANDON_PURGE_AFTER_DAYS } from "../core/run-lifecycle.ts";
import type { ChatAnswer, ChatRequest, DispatchDeps } from "./dispatch-command.ts";
import { checkLifecycle } from "./check-lifecycle.ts";
import { enqueueApprovedMove } from "./enqueue-approved-move.ts";

type RemovalCommand = Extract<Command, { name: "offboard" | "abandon" }>;
type DecisionCommand = Extract<Command, { name: "approve" | "reject" }>;

const day = 86_400_000;
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";

function describeDeployment(r: CustomerRecord): string {
  if (r.kind === "cloud") return `Qlik Cloud tenant ${r.tenantId ?? "(none recorded)"}${r.hostname ? ` (${r.hostname})` : ""} in region ${r.region}`;
  if (r.kind === "shared") return `place in shared tenant ${r.sharedTenant}`;
  return `customer area on client-managed site ${r.site}`;
}

function describeEffect(r: CustomerRecord, purgeAfterDays: number, operation: "offboard" | "abandon"): string {
  const what = operation === "abandon" ? "the failed onboard is abandoned: " : "";
  if (r.kind === "cloud") return `${what}the tenant is deactivated now and purged after ${purgeAfterDays} days (about ${utc(Date.now() + purgeAfterDays * day).slice(0, 10)})${operation === "offboard" ? "; it can be reactivated until then" : ""}`;
  if (r.kind === "shared") return `${what}the customer's apps, spaces, assignments, the users of its group and the group are removed from shared tenant ${r.sharedTenant}; nothing of its other customers is touched and the tenant stays`;
  return `${what}the customer's apps, stream, security rules and tag are removed from site ${r.site}`;
}

/** Asks for an approval of an offboard or an abandon; the customer's status moves in the same atomic step. */
export async function requestRemoval(command: RemovalCommand, req: ChatRequest, deps: DispatchDeps, record: CustomerRecord): Promise<ChatAnswer> {
  const operation = command.name;
  const pending = await deps.approvals.pendingFor(command.customer);
  if (pending) {
    return { kind: "approval", command, approval: pending, created: false, text: `A request to ${pending.operation} ${command.customer} is already waiting for approval (request ${pending.id}, asked by ${pending.requestedBy}).` };
  }
  const check = await checkLifecycle(deps, operation, record);
  if (!check.ok) return { kind: "error", error: { reason: check.reason, usage: usage[operation], command: operation } };
  if (!deps.access.approversConfigured) {
    return { kind: "error", error: { reason: `no approvers are configured (QOEM_APPROVERS or roles.approvers), so the ${operation} could never be approved; nothing was requested`, usage: usage[operation], command: operation } };
  }
  const purgeAfterDays = command.name === "offboard" ? command.purgeAfterDays : ABANDON_PURGE_AFTER_DAYS;
  const result = await deps.approvals.create({
    customer: command.customer,
    operation,
    purgeAfterDays,
    requestedBy: req.user,
    requestedSurface: req.surface,
    deployment: describeDeployment(record),
    effect: describeEffect(record, purgeAfterDays, operation),
  });
  if ("status" in result) {
    // The status changed between the read and the request: say what it is now and what helps.
    const now = await deps.registry.get(command.customer);
    const again = now ? await checkLifecycle(deps, operation, now) : { ok: false as const, reason: `qoem knows no customer named ${command.customer}` };
    return { kind: "error", error: { reason: again.ok ? `${command.customer} changed status while the request was made; try again` : again.reason, usage: usage[operation], command: operation } };
  }
  const { approval, created } = result;
  const text = created
    ? `${operation === "offboard" ? "Offboard" : "Abandoning the onboard"} of ${command.customer} requested: approval ${approval.id} is pending until ${utc(approval.expiresAt)}. An approver other than you must approve it; nothing is removed until then.`
    : `A request to ${approval.operation} ${command.customer} is already waiting for approval (request ${approval.id}).`;
  return { kind: "approval", command, approval, created, text };
}

/** The command an approved offboard, abandon or rollout runs (a move's parts are queued by enqueueApprovedMove). */
function approvedCommand(approval: Approval): Command {
  if (approval.operation === "rollout") return { name: "rollout", action: "run", rolloutId: approval.rolloutId ?? "" };
  return approval.operation === "offboard" ? { name: "offboard", customer: approval.customer, purgeAfterDays: approval.purgeAfterDays } : { name: "abandon", customer: approval.customer };
}

/** What an approved request's subject must be for its job to start: the customer (or rollout) in its approved status. */
async function stillApproved(approval: Approval, deps: DispatchDeps): Promise<boolean> {
  if (approval.operation === "rollout") return (await deps.rollouts.get(approval.rolloutId ?? ""))?.status === "approved";
  const record = await deps.registry.get(approval.customer);
  return record?.status === "offboarding" || record?.status === "abandoning" || record?.status === "moving";
}

const whatOf = (a: Approval) => ({ offboard: "Offboard", abandon: "Abandoning the onboard", move: "Move", "move-removal": "Removing the moved customer's source", rollout: "Rollout" })[a.operation];

async function enqueueApproved(approval: Approval, deps: DispatchDeps): Promise<string> {
  const replyTo = replyToSchema.safeParse({ surface: "slack", channel: approval.replyChannel, threadTs: approval.replyThreadTs, progressTs: approval.replyProgressTs });
  if (approval.operation === "move" || approval.operation === "move-removal") {
    const jobId = await enqueueApprovedMove(approval, deps, replyTo.success ? replyTo.data : undefined);
    await deps.approvals.attach(approval.id, { jobId });
    return jobId;
  }
  const command = approvedCommand(approval);
  const result = await enqueueOperation(
    deps.operations,
    deps.redis,
    {
      requestId: randomUUID(),
      operation: approval.operation,
      command,
      approvalId: approval.id,
      requestedBy: { user: approval.requestedBy, surface: approval.requestedSurface === "slack" || approval.requestedSurface === "cli" || approval.requestedSurface === "api" ? approval.requestedSurface : "shell" },
      requestedAt: approval.requestedAt,
    },
    replyTo.success ? { beforeAdd: async () => replyTo.data } : {},
  );
  await deps.approvals.attach(approval.id, { jobId: result.jobId });
  return result.jobId;
}

export async function decideRequest(command: DecisionCommand, user: string, deps: DispatchDeps): Promise<ChatAnswer> {
  const decision = await deps.approvals.decide(command.requestId, user, command.name === "approve" ? "approved" : "rejected", command.name === "reject" ? (command.reason ?? "") : "");
  if (!decision.ok) {
    const a = decision.approval;
    // An approved request whose job was never queued (the process stopped in between; a minute is far
    // longer than queuing takes): approving again queues it.
    const stale = a?.decidedAt !== undefined && Date.now() - Date.parse(a.decidedAt) > 60_000;
    if (a && a.status === "approved" && !a.jobId && stale && command.name === "approve" && user !== a.requestedBy) {
      if (await stillApproved(a, deps)) {
        const jobId = await enqueueApproved(a, deps);
        return { kind: "decision", command, decision: { ok: true, approval: a }, jobId, text: `The approved ${a.operation} of ${subjectOf(a)} had not started; it runs now (job ${jobId}).` };
      }
    }
    return { kind: "decision", command, decision, text: `Not done: ${decision.message}.` };
  }
  const approval = decision.approval;
  const what = whatOf(approval);
  if (approval.status === "rejected") {
    return { kind: "decision", command, decision, text: `${what} of ${subjectOf(approval)} rejected by ${user}${approval.reason ? `: ${approval.reason}` : ""}. ${approval.operation === "rollout" ? "No customer was touched." : "Nothing was removed."}` };
  }
  if (!(await stillApproved(approval, deps))) {
    return { kind: "decision", command, decision, text: `${what} of ${subjectOf(approval)} approved by ${user}, but it was cancelled meanwhile; nothing runs.` };
  }
  const jobId = await enqueueApproved(approval, deps);
  return { kind: "decision", command, decision, jobId, text: `${what} of ${subjectOf(approval)} approved by ${user}; it runs now (job ${jobId}).` };
}

