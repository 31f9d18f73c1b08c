// Who a rollout reaches and in which waves: the active customers of its scope, a canary wave first, then waves that grow (5%, 25%, the rest).
import type { CustomerRecord, CustomerRegistry } from "./customer-registry.ts";
import { userError, type AppRollout, type DeploymentAdapter } from "../../adapters/port.ts";
import type { RolloutScope } from "./rollout-records.ts";

/** The waves after the canary, as shares of all customers; the last wave takes the rest. */
export const WAVE_SHARES = [0.05, 0.25];

export function planWaves(customers: string[], canary: number): string[][] {
  const waves: string[][] = [];
  let at = Math.min(Math.max(canary, 0), customers.length);
  if (at > 0) waves.push(customers.slice(0, at));
  for (const share of WAVE_SHARES) {
    const size = Math.ceil(customers.length * share);
    if (at >= customers.length) break;
    waves.push(customers.slice(at, at + size));
    at += size;
  }
  if (at < customers.length) waves.push(customers.slice(at));
  return waves.filter((w) => w.length > 0);
}

/** The adapter's rollout operations, or a user error for a deployment kind rollouts do not reach (a shared tenant). */
export function rolloutOf(adapter: DeploymentAdapter, customer: string): AppRollout {
  if (!adapter.rollout) throw userError(`rollouts do not reach ${customer}: qoem does not roll templates out to a ${adapter.kind} deployment yet`);
  return adapter.rollout;
}

/** The active customers a rollout's scope names, or why it cannot (customers named that are unknown or not active). */
export async function customersInScope(registry: CustomerRegistry, scope: RolloutScope): Promise<{ ok: true; customers: CustomerRecord[] } | { ok: false; reason: string }> {
  if (scope.kind === "customers") {
    const records = await Promise.all(scope.customers.map((c) => registry.get(c)));
    const unknown = scope.customers.filter((_, i) => !records[i]);
    if (unknown.length) return { ok: false, reason: `qoem knows no customer named ${unknown.join(", ")}` };
    const shared = records.filter((r) => r!.kind === "shared");
    if (shared.length) return { ok: false, reason: `rollouts do not reach customers in a shared tenant yet: ${shared.map((r) => `${r!.customer} (shared tenant ${r!.sharedTenant ?? "?"})`).join(", ")}` };
    const inactive = records.filter((r) => r!.status !== "active");
    if (inactive.length) return { ok: false, reason: `a rollout updates active customers only: ${inactive.map((r) => `${r!.customer} is ${r!.status}`).join(", ")}` };
    return { ok: true, customers: records as CustomerRecord[] };
  }
  const where = scope.kind === "region" ? scope.region : scope.kind === "site" ? scope.site : undefined;
  // A shared tenant's customers are outside a rollout's reach (see rolloutOf).
  const customers = (await registry.list({ ...(where ? { where } : {}), status: "active" })).filter((r) => r.kind !== "shared");
  return { ok: true, customers: customers.sort((a, b) => a.customer.localeCompare(b.customer)) };
}

/** The scope in words, for messages. */
export function describeScope(scope: RolloutScope): string {
  switch (scope.kind) {
    case "all":
      return "every active customer";
    case "region":
      return `the active customers in region ${scope.region}`;
    case "site":
      return `the active customers on site ${scope.site}`;
    case "customers":
      return `${scope.customers.join(", ")}`;
  }
}
