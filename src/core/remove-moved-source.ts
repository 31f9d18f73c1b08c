/**
 * The last step of a move: once the target is healthy and a second approval (or the grace period)
 * allows it, the source is removed as its offboard removes it (a tenant deactivated with its purge
 * date, a site area removed; a shared tenant's adapter removes only that customer's spaces, apps, group
 * and assignments, and the customer's place there is freed), and the customer is active on the target.
 * A move that went back meanwhile removes nothing.
 */
import { permanent, type DeploymentAdapter, type OffboardResult, type Target } from "../../adapters/port.ts";
import type { CustomerRegistry } from "./customer-registry.ts";
import type { Fence } from "./execution-fence.ts";
import { MOVE_PURGE_AFTER_DAYS, describeTarget, whereOfTarget, type CustomerMoves } from "./customer-moves.ts";
import { sourceEnvOf } from "./run-move.ts";
import { requireCustomer } from "./customer-environment.ts";

export interface RemovalRun {
  registry: CustomerRegistry;
  moves: CustomerMoves;
  adapterFor(target: Target): DeploymentAdapter;
  jobId: string;
  fence?: Fence;
  assertCurrent(what: string): Promise<void>;
}

export async function removeMovedSource(run: RemovalRun, customer: string, moveId: string, approvedBy?: string): Promise<OffboardResult> {
  const move = await run.moves.get(customer);
  if (!move || move.id !== moveId) return { status: "skipped", detail: `${customer} has no move ${moveId} any more; nothing was removed` };
  const source = describeTarget(move.from);
  if (move.phase === "moved-back") return { status: "skipped", detail: `${customer} moved back to ${source}; nothing was removed` };
  const record = await requireCustomer(run.registry, customer);
  const where = whereOfTarget(move.from);
  // The source's place (a shared tenant's count of customers) is given up once nothing of the customer is left there, then the customer is active.
  const finish = async () => {
    await run.registry.leavePlace(customer, where);
    await run.registry.update(customer, { status: "active", lastError: "", lastJobId: run.jobId }, run.fence, { status: "moving" });
  };
  if (move.phase === "removed") {
    // Recorded as removed by an execution that stopped before the customer was made active: finish that, remove nothing.
    if (record.status === "moving") await finish();
    return { status: "removed", detail: move.removal ?? `${source} was removed`, ...(move.sourcePurgeDate ? { purgeDate: move.sourcePurgeDate } : {}) };
  }
  if (move.phase !== "moved" && move.phase !== "removing") throw permanent(`${customer}'s move is ${move.phase}: the target is not ready, so the source stays`);
  if (record.status !== "moving") throw permanent(`${customer} is ${record.status}; its source is removed only while it is moving`);
  await run.assertCurrent("the source's removal started");
  const conditions = run.registry.conditions(customer, { status: "moving" });
  await run.moves.update(customer, moveId, { phase: "removing", ...(approvedBy ? { removalApprovedBy: approvedBy } : {}) }, run.fence, conditions);
  const templates = record.templates ? record.templates.split("|").filter(Boolean) : [];
  const result = await run.adapterFor(move.from).offboard(sourceEnvOf(move, templates), { purgeAfterDays: MOVE_PURGE_AFTER_DAYS });
  await run.assertCurrent("the source's removal was recorded");
  await run.moves.update(customer, moveId, { phase: "removed", removal: result.detail, ...(result.purgeDate ? { sourcePurgeDate: result.purgeDate } : {}) }, run.fence, conditions);
  await finish();
  return { ...result, detail: `${customer}'s source (${source}) is removed: ${result.detail}` };
}
