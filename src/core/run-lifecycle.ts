/**
 * Offboard, reactivate and abandon: the adapter acts on the customer's environment; the registry
 * follows the result through the lifecycle (core/customer-lifecycle.ts). Every write is fenced by
 * the execution, and a failure that ends an operation settles the customer in a status that has a
 * way out (`settleFailure`), so no failure leaves a customer where no command can reach it.
 */
import type { DeploymentAdapter, OffboardResult, Target } from "../../adapters/port.ts";
import { targetOf, whereOf } from "./customer-registry.ts";
import type { CustomerRecord, CustomerRegistry, CustomerStatus } from "./customer-registry.ts";
import { environmentOf, requireCustomer } from "./customer-environment.ts";
import type { OnboardCheckpoints } from "./onboard-checkpoint.ts";
import type { Fence } from "./execution-fence.ts";

/** How long an abandoned onboard's tenant waits before Qlik purges it (it can be reused by a new onboard until then). */
export const ABANDON_PURGE_AFTER_DAYS = 30;

export interface LifecycleRun {
  registry: CustomerRegistry;
  checkpoints: OnboardCheckpoints;
  adapterFor(target: Target): DeploymentAdapter;
  jobId: string;
  fence?: Fence;
  assertCurrent(what: string): Promise<void>;
}

export async function runOffboard(run: LifecycleRun, customer: string, purgeAfterDays: number): Promise<OffboardResult> {
  const record = await requireCustomer(run.registry, customer);
  await run.assertCurrent("the offboard started");
  // The approval moved the customer to offboarding; anything else means this job no longer applies.
  await run.registry.update(customer, { lastJobId: run.jobId }, run.fence, { status: "offboarding" });
  const result = await run.adapterFor(targetOf(record)).offboard(environmentOf(record), { purgeAfterDays });
  await run.assertCurrent("the offboard was recorded");
  const removed = record.kind !== "cloud" || result.status === "deleted";
  await run.registry.update(customer, { status: removed ? "removed" : "deactivated", lastError: "", ...(result.purgeDate ? { purgeDate: result.purgeDate } : {}) }, run.fence, { status: "offboarding" });
  if (removed) await run.checkpoints.clear(customer);
  return result;
}

export async function runReactivate(run: LifecycleRun, customer: string): Promise<OffboardResult> {
  const record = await requireCustomer(run.registry, customer);
  await run.assertCurrent("the reactivation started");
  let result: OffboardResult;
  try {
    result = await run.adapterFor(targetOf(record)).reactivate(environmentOf(record));
  } catch (error) {
    // The tenant is gone for good (purged): nothing is left to bring back, so the customer is free to be onboarded again.
    if ((error as { code?: string }).code !== "not_found") throw error;
    await run.assertCurrent("the purge was recorded");
    await run.registry.update(customer, { status: "removed", purgeDate: "", lastError: "", lastJobId: run.jobId }, run.fence, { status: "deactivated" });
    await run.checkpoints.clear(customer);
    return { status: "removed", detail: `${(error as Error).message}; nothing of ${customer} is left, so it may be onboarded again` };
  }
  await run.assertCurrent("the reactivation was recorded");
  await run.registry.update(customer, { status: "active", purgeDate: "", lastError: "", lastJobId: run.jobId }, run.fence);
  return result;
}

/** What an onboard made, by the customer's record and its checkpoint: nothing means abandoning needs no approval. */
export async function madeAnything(record: CustomerRecord, checkpoints: OnboardCheckpoints): Promise<boolean> {
  if (record.tenantId) return true;
  const checkpoint = await checkpoints.load(record.customer, whereOf(targetOf(record)));
  // Any fact an onboard learned (a stream, a space, a create sent) means something may exist, including what an
  // earlier, finished onboard made; only an onboard that stopped before it touched anything frees the customer at once.
  return Object.keys(checkpoint.facts).some((k) => checkpoint.facts[k] !== "") || Object.values(checkpoint.done).some((d) => d.outcome !== "unchanged");
}

/** Removes what a failed or unfinished onboard made (a cloud tenant is deactivated with a purge date), then frees the customer. */
export async function runAbandon(run: LifecycleRun, customer: string): Promise<OffboardResult> {
  const record = await requireCustomer(run.registry, customer);
  await run.assertCurrent("the abandon started");
  await run.registry.update(customer, { lastJobId: run.jobId }, run.fence, { status: "abandoning" });
  let result: OffboardResult = { status: "removed", detail: `nothing of ${customer}'s onboard needed removing` };
  if (record.kind !== "cloud" || record.tenantId) {
    result = await run.adapterFor(targetOf(record)).offboard(environmentOf(record), { purgeAfterDays: ABANDON_PURGE_AFTER_DAYS });
  }
  await run.assertCurrent("the abandon was recorded");
  await run.registry.update(customer, { status: "removed", lastError: "", ...(result.purgeDate ? { purgeDate: result.purgeDate } : {}) }, run.fence, { status: "abandoning" });
  await run.checkpoints.clear(customer);
  return result;
}

/**
 * The one place an operation's final failure reaches the registry: the customer leaves the status the
 * operation put it in for one with a way out, and `lastError` says why. A customer some other
 * operation has moved on since is left alone.
 */
export async function settleFailure(registry: CustomerRegistry, operation: string, customer: string, message: string, previousStatus?: CustomerStatus): Promise<void> {
  const to: Record<string, { from: CustomerStatus[]; to: CustomerStatus }> = {
    onboard: { from: ["onboarding"], to: "onboard-failed" },
    abandon: { from: ["abandoning", "onboarding"], to: "onboard-failed" },
    offboard: { from: ["offboarding"], to: previousStatus ?? "active" },
    reactivate: { from: ["deactivated"], to: "deactivated" },
    move: { from: ["moving"], to: "move-failed" },
  };
  // Going back and removing a moved source change no status when they fail: the customer stays where it was, with the reason.
  if (operation === "move-back" || operation === "move-removal") {
    for (const status of ["moving", "move-failed"] as const) await registry.transition(customer, [status], { status, lastError: `${operation} failed: ${message}` });
    return;
  }
  const rule = to[operation];
  if (!rule) return;
  await registry.transition(customer, rule.from, { status: rule.to, lastError: `${operation} failed: ${message}` });
}
