/**
 * Going back from a move, before the source is removed: the customer is pointed at its source again,
 * exactly as the registry had it (the source was never touched), and a target tenant the move made
 * is deactivated with a purge date (it can be reactivated until then). A pending second approval is
 * closed, and a removal that comes later finds the move gone back and removes nothing.
 */
import { permanent, type DeploymentAdapter, type OffboardResult, type Target } from "../../adapters/port.ts";
import type { CustomerRegistry } from "./customer-registry.ts";
import type { Approvals } from "./approvals.ts";
import type { Fence } from "./execution-fence.ts";
import { MOVE_PURGE_AFTER_DAYS, describeTarget, whereOfTarget, type CustomerMoves } from "./customer-moves.ts";
import type { OnboardCheckpoints } from "./onboard-checkpoint.ts";
import { sourceEnvOf, targetEnvOf } from "./run-move.ts";
import { requireCustomer } from "./customer-environment.ts";

export interface MoveBackRun {
  registry: CustomerRegistry;
  moves: CustomerMoves;
  approvals?: Approvals;
  checkpoints?: OnboardCheckpoints;
  adapterFor(target: Target): DeploymentAdapter;
  jobId: string;
  fence?: Fence;
  assertCurrent(what: string): Promise<void>;
}

export async function moveBack(run: MoveBackRun, customer: string, moveId: string): Promise<OffboardResult> {
  const record = await requireCustomer(run.registry, customer);
  const move = await run.moves.get(customer);
  if (!move || move.id !== moveId) throw permanent(`${customer} has no move ${moveId} to go back from`);
  const source = describeTarget(move.from);
  if (move.phase === "moved-back") return { status: "active", detail: `${customer} is back on ${source}` };
  if (move.phase === "removing" || move.phase === "removed") throw permanent(`${customer}'s source (${source}) is already being removed; there is nothing to go back to`);
  if (record.status !== "moving" && record.status !== "move-failed") throw permanent(`${customer} is ${record.status}; only a moving customer, or one whose move failed, goes back`);
  await run.assertCurrent("going back started");
  await run.registry.update(customer, { lastJobId: run.jobId }, run.fence, { status: record.status });
  const templates = record.templates ? record.templates.split("|").filter(Boolean) : [];
  const target = targetEnvOf(move, templates);
  let detail = "the move had made no tenant";
  let purgeDate: string | undefined;
  if (move.to.kind === "cloud" && target.tenantId) {
    const result = await run.adapterFor(move.to).offboard(target, { purgeAfterDays: MOVE_PURGE_AFTER_DAYS });
    detail = result.detail;
    purgeDate = result.purgeDate;
  }
  await run.assertCurrent("the customer was pointed back at its source");
  const env = sourceEnvOf(move, templates);
  await run.registry.relocate(customer, move.from, { ...(env.tenantId ? { tenantId: env.tenantId } : {}), ...(env.hostname ? { hostname: env.hostname } : {}), status: "active", lastError: "" }, record.status, run.fence);
  if (run.checkpoints && move.sourceCheckpoint) await run.checkpoints.save(customer, whereOfTarget(move.from), move.sourceCheckpoint, run.fence);
  await run.moves.update(customer, moveId, { phase: "moved-back" }, run.fence);
  if (move.removalApprovalId && run.approvals) await run.approvals.decide(move.removalApprovalId, "qoem", "rejected", "the customer moved back");
  return { status: "active", detail: `${customer} is back on ${source}, untouched; the target: ${detail}`, ...(purgeDate ? { purgeDate } : {}) };
}
