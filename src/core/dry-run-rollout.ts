/**
 * A rollout's dry run: which customers of the scope would get the template's new version (their
 * production has it published), which already have that version, which do not have the template,
 * and about how long the rollout would take. Reads only.
 */
import { inParallel } from "./in-parallel.ts";
import type { DeploymentAdapter, Target, TemplateVersion } from "../../adapters/port.ts";
import { toQoemError, userError } from "../../adapters/port.ts";
import { targetOf, templateVersionsOf, type CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import { customersInScope, describeScope, planWaves, rolloutOf, sharedTenantOf } from "./plan-rollout.ts";
import { versionSourceOf, type RolloutScope } from "./rollout-records.ts";

export interface RolloutDryRun {
  template: string;
  scope: string;
  versions: Record<string, string>;
  wouldUpdate: string[];
  alreadyCurrent: string[];
  withoutTemplate: string[];
  unreadable: Array<{ customer: string; reason: string }>;
  waves: number[];
  /** Customers that would be updated per shared tenant: they share its host's rate limits. */
  sharedTenants: Record<string, number>;
  estimatedSeconds: number;
}

/** Calls per customer in a rollout (finding, keeping, staging, replacing, reloading and following, opening, tidying). */
const CALLS_PER_CUSTOMER = 12;
/** Of those, the tier-2 calls on the customer's host (import, republish, removing the app no longer needed) and the reloads (Qlik's special tier). */
export const TIER2_PER_CUSTOMER = 3;
export const RELOADS_PER_CUSTOMER = 1;

type Limit = { max: number; windowMs: number } | null | undefined;

/**
 * The least time one wave needs under Qlik's limits where its customers share a host: Qlik counts per
 * tenant, so customers in their own tenants never slow each other, but a shared tenant's customers all
 * call its one host (the rate gate keys on the host), and the calls past a window's budget wait for the
 * next window. `hostCounts`: customers of the wave per shared host.
 */
export function sharedHostFloorMs(hostCounts: Iterable<number>, limits: { tier2?: Limit; special?: Limit }): number {
  let floor = 0;
  for (const n of hostCounts) {
    for (const [calls, limit] of [[n * TIER2_PER_CUSTOMER, limits.tier2], [n * RELOADS_PER_CUSTOMER, limits.special]] as const) {
      if (limit && calls > 0) floor = Math.max(floor, (Math.ceil(calls / limit.max) - 1) * limit.windowMs);
    }
  }
  return floor;
}

export async function dryRunRollout(deps: { registry: CustomerRegistry; adapterFor(target: Target): DeploymentAdapter; concurrency: number; limits?: { tier2?: Limit; special?: Limit }; sharedTenantsIn?: (region: string) => string[] }, input: { template: string; scope: RolloutScope; canary: number }): Promise<RolloutDryRun> {
  const inScope = await customersInScope(deps.registry, input.scope, deps.sharedTenantsIn);
  if (!inScope.ok) throw userError(inScope.reason);
  const versions = new Map<string, TemplateVersion | undefined>();
  for (const record of inScope.customers) {
    const source = versionSourceOf(targetOf(record));
    if (versions.has(source)) continue;
    versions.set(source, await rolloutOf(deps.adapterFor(targetOf(record)), record.customer).templateVersion(input.template, targetOf(record)).catch((e: unknown) => {
      if (toQoemError(e).retryable) throw e;
      return undefined;
    }));
  }
  const out: RolloutDryRun = { template: input.template, scope: describeScope(input.scope), versions: {}, wouldUpdate: [], alreadyCurrent: [], withoutTemplate: [], unreadable: [], waves: [], sharedTenants: {}, estimatedSeconds: 0 };
  for (const [source, v] of versions) out.versions[source] = v?.version ?? "(not in this source)";
  let readMs = 0;
  let reads = 0;
  await inParallel(inScope.customers, deps.concurrency, async (record) => {
    const version = versions.get(versionSourceOf(targetOf(record)));
    if (!version) {
      out.withoutTemplate.push(record.customer);
      return;
    }
    if (templateVersionsOf(record)[input.template] === version.version) {
      out.alreadyCurrent.push(record.customer);
      return;
    }
    const started = Date.now();
    try {
      const published = await rolloutOf(deps.adapterFor(targetOf(record)), record.customer).findPublished(environmentOf(record), input.template);
      (published ? out.wouldUpdate : out.withoutTemplate).push(record.customer);
    } catch (error) {
      out.unreadable.push({ customer: record.customer, reason: toQoemError(error).message });
    }
    readMs += Date.now() - started;
    reads++;
  });
  out.wouldUpdate.sort();
  const together = new Map(inScope.customers.map((r) => [r.customer, sharedTenantOf(r)]));
  const waves = planWaves(out.wouldUpdate, input.canary, (c) => together.get(c));
  out.waves = waves.map((w) => w.length);
  for (const record of inScope.customers) if (record.kind === "shared" && out.wouldUpdate.includes(record.customer)) out.sharedTenants[record.sharedTenant ?? ""] = (out.sharedTenants[record.sharedTenant ?? ""] ?? 0) + 1;
  // One customer's calls run one after another (a reload on top); waves run one after another, each with `concurrency` customers at once,
  // and none faster than its busiest shared tenant's limits allow.
  const perCallMs = reads ? readMs / reads / 3 : 200;
  const perCustomerMs = perCallMs * CALLS_PER_CUSTOMER + 5_000;
  const waveMs = (wave: string[]) => {
    const perHost = new Map<string, number>();
    for (const c of wave) {
      const host = together.get(c);
      if (host) perHost.set(host, (perHost.get(host) ?? 0) + 1);
    }
    return Math.max(Math.ceil(wave.length / deps.concurrency) * perCustomerMs, sharedHostFloorMs(perHost.values(), deps.limits ?? {}) + perCustomerMs);
  };
  out.estimatedSeconds = Math.round(waves.reduce((sum, wave) => sum + waveMs(wave), 0) / 1000);
  return out;
}
