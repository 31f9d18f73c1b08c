/**
 * An approved move, or an approved removal of a moved customer's source, becomes exactly one job: the
 * move's record is begun from the registry as it stands (the source, exactly, so going back restores
 * it), and its job id is the approval's. An approved removal runs the delayed job the move scheduled
 * for the end of its grace period now, instead of adding a second one.
 */
import { randomUUID } from "node:crypto";
import { enqueueOperation } from "../queue/enqueue-operation.ts";
import type { ReplyTo } from "../queue/job-payload.ts";
import type { Approval } from "../core/approvals.ts";
import { targetOf } from "../core/customer-registry.ts";
import type { Command } from "../commands/command-schema.ts";
import type { DispatchDeps } from "./dispatch-command.ts";

const surfaceOf = (s: string) => (s === "slack" || s === "cli" || s === "api" ? s : "shell");

export async function enqueueApprovedMove(approval: Approval, deps: DispatchDeps, replyTo?: ReplyTo): Promise<string> {
  if (!deps.moves) throw new Error("this qoem was started without moves");
  const requestedBy = { user: approval.requestedBy, surface: surfaceOf(approval.requestedSurface) } as const;
  const hooks = replyTo ? { beforeAdd: async () => replyTo } : {};
  if (approval.operation === "move-removal") {
    const moveId = approval.target ?? "";
    const jobId = `move-removal.${approval.customer}.${moveId}`;
    // The scheduled job runs as qoem's: the approver is kept with the move, so status and audit name who brought the removal forward.
    if (approval.decidedBy) await deps.moves.update(approval.customer, moveId, { removalApprovedBy: approval.decidedBy });
    const scheduled = await deps.operations.getJob(jobId);
    if (scheduled && (await scheduled.isDelayed())) {
      await scheduled.promote();
      return jobId;
    }
    const command: Command = { name: "move", customer: approval.customer, to: { kind: "remove-source" }, dryRun: false };
    const result = await enqueueOperation(deps.operations, deps.redis, { requestId: randomUUID(), operation: "move-removal", command, approvalId: moveId, requestedBy: { user: approval.decidedBy ?? approval.requestedBy, surface: requestedBy.surface }, requestedAt: new Date().toISOString() }, { ...hooks, rerunCompleted: true });
    return result.jobId;
  }
  const [kind, where] = (approval.target ?? "").split(":");
  const to = kind === "cloud" ? { kind: "cloud" as const, region: where ?? "" } : { kind: "client-managed" as const, site: where ?? "" };
  const record = await deps.registry.get(approval.customer);
  if (record) {
    const host = record.hostname ?? record.tenantHost;
    await deps.moves.begin({ id: approval.id, customer: approval.customer, from: targetOf(record), ...(record.tenantId ? { fromTenantId: record.tenantId } : {}), ...(host ? { fromHostname: host } : {}), to, requestedBy: approval.requestedBy, ...(approval.decidedBy ? { approvedBy: approval.decidedBy } : {}) });
  }
  const command: Command = { name: "move", customer: approval.customer, to, dryRun: false };
  const result = await enqueueOperation(deps.operations, deps.redis, { requestId: randomUUID(), operation: "move", command, approvalId: approval.id, requestedBy, requestedAt: approval.requestedAt }, hooks);
  return result.jobId;
}
