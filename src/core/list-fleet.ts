/**
 * The fleet view: the registry's customers joined with what the organisation-level tenant listing
 * says right now (one paginated call across regions), plus a reconcile: tenants qoem does not know,
 * and registry entries whose tenant is gone.
 */
import { cloudRegions } from "../../adapters/qlik-cloud/regions.ts";
import { targetOf, whereOf, type CustomerRecord, type CustomerRegistry, type CustomerStatus } from "./customer-registry.ts";
import { countSharedPlaces, deploymentLabel } from "./count-shared-places.ts";

export interface OrgTenantView {
  id: string;
  name: string;
  hostnames: string[];
  regionCode?: string | undefined;
  status?: string | undefined;
}

export interface FleetRow {
  customer: string;
  where: string;
  /** own tenant, shared tenant or site. */
  deployment: string;
  status: CustomerStatus;
  tenantStatus?: string;
  hostname?: string;
}

export interface FleetView {
  rows: FleetRow[];
  live: boolean;
  unknownTenants: Array<{ id: string; name: string; hostname?: string; region?: string }>;
  goneTenants: Array<{ customer: string; tenantId: string }>;
  pendingApprovals: Array<{ id: string; customer: string; operation: string; requestedBy: string; expiresAt: number }>;
  /** Each shared tenant in the listing (or all, unfiltered) with its places taken. */
  sharedPlaces: Array<{ tenant: string; used: number }>;
}

const regionOfDatacenter = (dc?: string) => cloudRegions.find((r) => r.datacenter === dc)?.code ?? dc ?? "";

export async function listFleet(
  registry: CustomerRegistry,
  listTenants: (() => Promise<OrgTenantView[]>) | undefined,
  filter: { where?: string; status?: CustomerStatus },
  ignoreHosts: string[] = [],
  pending: Array<{ id: string; customer: string; operation: string; requestedBy: string; expiresAt: number }> = [],
  sharedTenants: readonly string[] = [],
): Promise<FleetView> {
  const pendingApprovals = pending.map(({ id, customer, operation, requestedBy, expiresAt }) => ({ id, customer, operation, requestedBy, expiresAt }));
  const all = await registry.list();
  const records = all.filter((r) => (!filter.where || whereOf(targetOf(r)) === filter.where) && (!filter.status || r.status === filter.status));
  const listed = sharedTenants.filter((t) => !filter.where || filter.where === t);
  const used = await countSharedPlaces(registry, listed);
  const sharedPlaces = listed.map((tenant) => ({ tenant, used: used[tenant] ?? 0 }));
  const tenants = listTenants ? await listTenants() : undefined;
  const byId = new Map((tenants ?? []).map((t) => [t.id, t]));
  const rows: FleetRow[] = records.map((r: CustomerRecord) => {
    const t = r.tenantId ? byId.get(r.tenantId) : undefined;
    return {
      customer: r.customer,
      where: whereOf(targetOf(r)),
      deployment: deploymentLabel(r.kind),
      status: r.status,
      ...(t?.status ? { tenantStatus: t.status } : {}),
      ...(r.hostname ?? r.tenantHost ? { hostname: r.hostname ?? r.tenantHost } : {}),
    };
  });
  if (!tenants) return { rows, live: false, unknownTenants: [], goneTenants: [], pendingApprovals, sharedPlaces };
  const known = new Set(all.flatMap((r) => (r.tenantId ? [r.tenantId] : [])));
  const unknownTenants = tenants
    .filter((t) => !known.has(t.id) && t.status !== "deleted" && !t.hostnames.some((h) => ignoreHosts.includes(h)))
    .filter((t) => !filter.where || regionOfDatacenter(t.regionCode) === filter.where)
    .map((t) => ({ id: t.id, name: t.name, ...(t.hostnames[0] ? { hostname: t.hostnames[0] } : {}), region: regionOfDatacenter(t.regionCode) }));
  const goneTenants = records
    .filter((r) => r.kind === "cloud" && r.tenantId && r.status !== "removed" && (!byId.has(r.tenantId) || byId.get(r.tenantId)?.status === "deleted"))
    .map((r) => ({ customer: r.customer, tenantId: r.tenantId! }));
  return { rows, live: true, unknownTenants, goneTenants, pendingApprovals, sharedPlaces };
}
