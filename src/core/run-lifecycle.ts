// Offboard and reactivate: the adapter acts on the customer's environment; the registry follows the result.
import type { DeploymentAdapter, OffboardResult, Target } from "../../adapters/port.ts";
import { targetOf } from "./customer-registry.ts";
import type { CustomerRegistry } from "./customer-registry.ts";
import { environmentOf, requireCustomer } from "./customer-environment.ts";

export async function runOffboard(registry: CustomerRegistry, adapterFor: (target: Target) => DeploymentAdapter, customer: string, purgeAfterDays: number, jobId: string): Promise<OffboardResult> {
  const record = await requireCustomer(registry, customer);
  await registry.update(customer, { status: "offboarding", lastJobId: jobId });
  const result = await adapterFor(targetOf(record)).offboard(environmentOf(record), { purgeAfterDays });
  const status = record.kind === "cloud" && result.status !== "deleted" ? "deactivated" : "removed";
  await registry.update(customer, { status, ...(result.purgeDate ? { purgeDate: result.purgeDate } : {}) });
  return result;
}

export async function runReactivate(registry: CustomerRegistry, adapterFor: (target: Target) => DeploymentAdapter, customer: string, jobId: string): Promise<OffboardResult> {
  const record = await requireCustomer(registry, customer);
  const result = await adapterFor(targetOf(record)).reactivate(environmentOf(record));
  await registry.update(customer, { status: "active", purgeDate: "", lastJobId: jobId });
  return result;
}
