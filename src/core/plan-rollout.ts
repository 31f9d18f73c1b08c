// Who a rollout reaches and in which waves: the active customers of its scope, a canary wave first, then waves that grow (5%, 25%, the rest).
import type { CustomerRecord, CustomerRegistry } from "./customer-registry.ts";
import { userError, type AppRollout, type DeploymentAdapter } from "../../adapters/port.ts";
import type { RolloutScope } from "./rollout-records.ts";
import { guideReasons } from "../../adapters/qlik-cloud/shared-tenant/guide-limits.ts";

/** The waves after the canary, as shares of all customers; the last wave takes the rest. */
export const WAVE_SHARES = [0.05, 0.25];

/**
 * Splits the customers (in the order given) into waves: the canary, then shares of all customers, then
 * the rest. Customers `togetherOf` puts in one group (a shared tenant's) are never split across waves:
 * the group goes whole into the wave its first customer falls in, so every customer of a shared tenant
 * gets the new version in the same wave (the guide's identical functionality for all of them).
 */
export function planWaves(customers: string[], canary: number, togetherOf: (customer: string) => string | undefined = () => undefined): string[][] {
  const units: string[][] = [];
  const groups = new Map<string, string[]>();
  for (const c of customers) {
    const group = togetherOf(c);
    if (group === undefined) {
      units.push([c]);
      continue;
    }
    let unit = groups.get(group);
    if (!unit) {
      unit = [];
      groups.set(group, unit);
      units.push(unit);
    }
    unit.push(c);
  }
  const waves: string[][] = [];
  let next = 0;
  const take = (size: number) => {
    const wave: string[] = [];
    while (next < units.length && wave.length < size) wave.push(...units[next++]!);
    if (wave.length) waves.push(wave);
  };
  take(Math.min(Math.max(canary, 0), customers.length));
  for (const share of WAVE_SHARES) if (next < units.length) take(Math.ceil(customers.length * share));
  take(Infinity);
  return waves;
}

/** A shared tenant's customers go through a rollout together: the group planWaves keeps in one wave. */
export const sharedTenantOf = (record: Pick<CustomerRecord, "kind" | "sharedTenant">): string | undefined => (record.kind === "shared" ? `shared:${record.sharedTenant ?? ""}` : undefined);

/** The adapter's rollout operations, or a user error for a deployment kind without them (every adapter has them today). */
export function rolloutOf(adapter: DeploymentAdapter, customer: string): AppRollout {
  if (!adapter.rollout) throw userError(`rollouts do not reach ${customer}: qoem does not roll templates out to a ${adapter.kind} deployment`);
  return adapter.rollout;
}

/**
 * The active customers a rollout's scope names, or why it cannot (customers named that are unknown or
 * not active, or only some of a shared tenant's customers: the guide wants identical functionality for
 * all of them, so a template's version reaches a shared tenant's customers together or not at all).
 */
export async function customersInScope(registry: CustomerRegistry, scope: RolloutScope, sharedTenantsIn: (region: string) => string[] = () => []): Promise<{ ok: true; customers: CustomerRecord[] } | { ok: false; reason: string }> {
  if (scope.kind === "customers") {
    const records = await Promise.all(scope.customers.map((c) => registry.get(c)));
    const unknown = scope.customers.filter((_, i) => !records[i]);
    if (unknown.length) return { ok: false, reason: `qoem knows no customer named ${unknown.join(", ")}` };
    const inactive = records.filter((r) => r!.status !== "active");
    if (inactive.length) return { ok: false, reason: `a rollout updates active customers only: ${inactive.map((r) => `${r!.customer} is ${r!.status}`).join(", ")}` };
    const partial = await leftOutOfSharedTenants(registry, records as CustomerRecord[]);
    if (partial.length) {
      const named = new Set(scope.customers);
      const all = [...named, ...partial.flatMap((p) => p.left)];
      return {
        ok: false,
        reason: `${partial.map((p) => `shared tenant ${p.tenant} also serves ${p.left.join(", ")}`).join("; ")}: ${guideReasons.identical}, so a rollout reaches all of a shared tenant's customers or none: name them all (--customers ${all.join(",")}) or none of them`,
      };
    }
    return { ok: true, customers: records as CustomerRecord[] };
  }
  const where = scope.kind === "region" ? scope.region : scope.kind === "site" ? scope.site : undefined;
  const customers = await registry.list({ ...(where ? { where } : {}), status: "active" });
  if (scope.kind === "region") {
    // A shared tenant lives in a region too: its customers (kept under the tenant's name) are in that region's scope.
    const seen = new Set(customers.map((c) => c.customer));
    for (const tenant of sharedTenantsIn(scope.region)) {
      for (const r of await registry.list({ where: tenant, status: "active" })) if (r.kind === "shared" && r.sharedTenant === tenant && !seen.has(r.customer)) customers.push(r);
    }
  }
  return { ok: true, customers: customers.sort((a, b) => a.customer.localeCompare(b.customer)) };
}

/** Per shared tenant that the named customers are in: its active customers left unnamed. */
async function leftOutOfSharedTenants(registry: CustomerRegistry, records: CustomerRecord[]): Promise<Array<{ tenant: string; left: string[] }>> {
  const named = new Set(records.map((r) => r.customer));
  const tenants = [...new Set(records.filter((r) => r.kind === "shared").map((r) => r.sharedTenant ?? ""))];
  const out: Array<{ tenant: string; left: string[] }> = [];
  for (const tenant of tenants) {
    const left = (await registry.list({ where: tenant, status: "active" })).filter((r) => r.kind === "shared" && r.sharedTenant === tenant && !named.has(r.customer)).map((r) => r.customer).sort();
    if (left.length) out.push({ tenant, left });
  }
  return out;
}

/** The shared tenants of a region, from their names and regions as configured. */
export const sharedTenantsIn = (regions: Record<string, string> | undefined, region: string): string[] => Object.entries(regions ?? {}).filter(([, r]) => r === region).map(([name]) => name);

/** The scope in words, for messages. */
export function describeScope(scope: RolloutScope): string {
  switch (scope.kind) {
    case "all":
      return "every active customer";
    case "region":
      return `the active customers in region ${scope.region} (own tenants and shared tenants there)`;
    case "site":
      return `the active customers on site ${scope.site}`;
    case "customers":
      return `${scope.customers.join(", ")}`;
  }
}
