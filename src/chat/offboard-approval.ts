/**
 * Offboards that wait for a second person: the request (an approval in Redis, the customer marked
 * offboard-pending) and the decision (four eyes, expiry and exactly-once in core's approvals; an
 * approved request becomes exactly one offboard job, whose id is the approval's).
 */
import { randomUUID } from "node:crypto";
import { usage } from "../commands/help-text.ts";
import type { Command } from "../commands/command-schema.ts";
import { enqueueOperation } from "../queue/enqueue-operation.ts";
import { replyToSchema } from "../queue/job-payload.ts";
import type { Approval } from "../core/approvals.ts";
import type { CustomerRecord } from "../core/customer-registry.ts";
import type { ChatAnswer, ChatRequest, DispatchDeps } from "./dispatch-command.ts";
import { unknownCustomer } from "./dispatch-command.ts";

type OffboardCommand = Extract<Command, { name: "offboard" }>;
type DecisionCommand = Extract<Command, { name: "approve" | "reject" }>;

const day = 86_400_000;
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";

function describeDeployment(r: CustomerRecord): string {
  return r.kind === "cloud"
    ? `Qlik Cloud tenant ${r.tenantId ?? "(none recorded)"}${r.hostname ? ` (${r.hostname})` : ""} in region ${r.region}`
    : `customer area on client-managed site ${r.site}`;
}

function describeEffect(r: CustomerRecord, purgeAfterDays: number): string {
  return r.kind === "cloud"
    ? `the tenant is deactivated now and purged after ${purgeAfterDays} days (about ${utc(Date.now() + purgeAfterDays * day).slice(0, 10)}); it can be reactivated until then`
    : `the customer's apps, stream, security rules and tag are removed from site ${r.site}`;
}

export async function requestOffboard(command: OffboardCommand, req: ChatRequest, deps: DispatchDeps): Promise<ChatAnswer> {
  const record = await deps.registry.get(command.customer);
  if (!record) return unknownCustomer(command.customer, "offboard");
  const pending = await deps.approvals.pendingFor(command.customer);
  if (pending) {
    return { kind: "approval", command, approval: pending, created: false, text: `An offboard of ${command.customer} is already waiting for approval (request ${pending.id}, asked by ${pending.requestedBy}).` };
  }
  if (!["active", "onboard-failed", "offboard-pending"].includes(record.status)) {
    return { kind: "error", error: { reason: `${command.customer} is ${record.status}; there is nothing to offboard`, usage: usage.offboard, command: "offboard" } };
  }
  if (!deps.access.approversConfigured) {
    return { kind: "error", error: { reason: "no approvers are configured (QOEM_APPROVERS or roles.approvers), so an offboard could never be approved; nothing was requested", usage: usage.offboard, command: "offboard" } };
  }
  const { created, approval } = await deps.approvals.create({
    customer: command.customer,
    operation: "offboard",
    purgeAfterDays: command.purgeAfterDays,
    requestedBy: req.user,
    requestedSurface: req.surface,
    deployment: describeDeployment(record),
    effect: describeEffect(record, command.purgeAfterDays),
    previousStatus: record.status === "offboard-pending" ? "active" : record.status,
  });
  if (created) await deps.registry.update(command.customer, { status: "offboard-pending" });
  const text = created
    ? `Offboard of ${command.customer} requested: approval ${approval.id} is pending until ${utc(approval.expiresAt)}. An approver other than you must approve it; nothing is removed until then.`
    : `An offboard of ${command.customer} is already waiting for approval (request ${approval.id}).`;
  return { kind: "approval", command, approval, created, text };
}

async function restoreStatus(deps: DispatchDeps, approval: Approval): Promise<void> {
  const record = await deps.registry.get(approval.customer);
  if (record?.status === "offboard-pending") await deps.registry.update(approval.customer, { status: approval.previousStatus as CustomerRecord["status"] });
}

export async function decideOffboard(command: DecisionCommand, user: string, deps: DispatchDeps): Promise<ChatAnswer> {
  const decision = await deps.approvals.decide(command.requestId, user, command.name === "approve" ? "approved" : "rejected", command.name === "reject" ? (command.reason ?? "") : "");
  if (!decision.ok) {
    if (decision.code === "expired" && decision.approval) await restoreStatus(deps, decision.approval);
    return { kind: "decision", command, decision, text: `Not done: ${decision.message}.` };
  }
  const approval = decision.approval;
  if (approval.status === "rejected") {
    await restoreStatus(deps, approval);
    return { kind: "decision", command, decision, text: `Offboard of ${approval.customer} rejected by ${user}${approval.reason ? `: ${approval.reason}` : ""}. Nothing was removed.` };
  }
  const replyTo = replyToSchema.safeParse({ surface: "slack", channel: approval.replyChannel, threadTs: approval.replyThreadTs, progressTs: approval.replyProgressTs });
  const result = await enqueueOperation(
    deps.operations,
    deps.redis,
    {
      requestId: randomUUID(),
      operation: "offboard",
      command: { name: "offboard", customer: approval.customer, purgeAfterDays: approval.purgeAfterDays },
      approvalId: approval.id,
      requestedBy: { user: approval.requestedBy, surface: approval.requestedSurface === "slack" ? "slack" : approval.requestedSurface === "cli" ? "cli" : "shell" },
      requestedAt: approval.requestedAt,
    },
    replyTo.success ? { beforeAdd: async () => replyTo.data } : {},
  );
  await deps.approvals.attach(approval.id, { jobId: result.jobId });
  return { kind: "decision", command, decision, jobId: result.jobId, text: `Offboard of ${approval.customer} approved by ${user}; it runs now (job ${result.jobId}).` };
}
