// How many of a shared tenant's places are taken (customers not removed), and how each kind of deployment and place is called where users read it.
import { whereOf, type CustomerRecord, type CustomerRegistry } from "./customer-registry.ts";
import type { Target } from "../../adapters/port.ts";
import { SHARED_TENANT_LIMIT } from "./shared-tenant-guardrails.ts";

/** The kind of deployment as `status`, `list` and `health all` name it. */
export const deploymentLabel = (kind: CustomerRecord["kind"]) => (kind === "cloud" ? "own tenant" : kind === "shared" ? "shared tenant" : "site");

export const placesLine = (used: number) => `${used} of ${SHARED_TENANT_LIMIT} places used`;

/** Places taken per shared tenant, from the registry's index of each: a customer moving out holds its place until its source there is removed. */
export async function countSharedPlaces(registry: CustomerRegistry, tenants: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const tenant of tenants) out[tenant] = (await registry.holding(tenant)).length;
  return out;
}

/** What each place is, for `health all`: own tenants of a region, a site, a shared tenant with its places taken. */
export async function describePlaces(registry: CustomerRegistry, places: readonly Target[]): Promise<Record<string, string>> {
  const shared = places.flatMap((p) => (p.kind === "shared" ? [p.tenant] : []));
  const used = await countSharedPlaces(registry, shared);
  return Object.fromEntries(places.map((p) => [whereOf(p), p.kind === "cloud" ? "own tenants" : p.kind === "shared" ? `shared tenant, ${placesLine(used[p.tenant] ?? 0)}` : "site"]));
}
