/**
 * The fleet view: the registry's customers joined with what the organisation-level tenant listing
 * says right now, plus a reconcile: tenants qoem does not know, and registry entries whose tenant is
 * gone. Streaming, so that `list` over the whole estate (60,000 customers) runs in bounded memory:
 * the registry is read a page at a time into a tenant index in Redis, each listing page is joined as
 * it arrives, and the view keeps counts, the first page of rows and the first few of each reconcile
 * list (with how many there are), not the estate.
 */
import { cloudRegions } from "../../adapters/qlik-cloud/regions.ts";
import { targetOf, whereOf, type CustomerRecord, type CustomerRegistry, type CustomerStatus } from "./customer-registry.ts";
import { countSharedPlaces, deploymentLabel } from "./count-shared-places.ts";
import type { TenantIndex } from "./tenant-index.ts";
import { readAhead } from "./read-ahead.ts";

export interface OrgTenantView {
  id: string;
  name: string;
  hostnames: string[];
  regionCode?: string | undefined;
  status?: string | undefined;
}

/** The organisation listing a page at a time, optionally filtered (a SCIM filter). */
export type TenantPages = (filter?: string) => AsyncIterable<OrgTenantView[]>;

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
  /** The first customers that match, in name order (up to `FLEET_ROWS`). */
  rows: FleetRow[];
  /** How many customers match, and how many per region or site and status. */
  total: number;
  byWhere: Array<{ where: string; statuses: Record<string, number> }>;
  live: boolean;
  /** The first of them (up to `FLEET_RECONCILE`), and how many there are. */
  unknownTenants: Array<{ id: string; name: string; hostname?: string; region?: string }>;
  unknownTenantCount: number;
  goneTenants: Array<{ customer: string; tenantId: string }>;
  goneTenantCount: number;
  pendingApprovals: Array<{ id: string; customer: string; operation: string; requestedBy: string; expiresAt: number }>;
  /** Each shared tenant in the listing (or all, unfiltered) with its places taken. */
  sharedPlaces: Array<{ tenant: string; used: number }>;
}

export const FLEET_ROWS = 100;

/** A customer as the fleet view shows it (without the tenant status, which only the listing knows). */
export const fleetRowOf = (r: CustomerRecord): FleetRow => ({ customer: r.customer, where: whereOf(targetOf(r)), deployment: deploymentLabel(r.kind), status: r.status, ...(r.hostname ?? r.tenantHost ? { hostname: r.hostname ?? r.tenantHost } : {}) });

/** Up to `size` customers that match, in name order, after the name `after`: a page past the rows a list job kept. */
export async function readFleetRows(registry: Pick<CustomerRegistry, "scan">, filter: { where?: string; status?: CustomerStatus }, after: string | undefined, size: number): Promise<FleetRow[]> {
  const rows: FleetRow[] = [];
  for await (const page of registry.scan(filter, Math.max(size, 100), after)) {
    for (const r of page) {
      rows.push(fleetRowOf(r));
      if (rows.length >= size) return rows;
    }
  }
  return rows;
}
export const FLEET_RECONCILE = 500;

const regionOfDatacenter = (dc?: string) => cloudRegions.find((r) => r.datacenter === dc)?.code ?? dc ?? "";

export interface ListFleetDeps {
  registry: CustomerRegistry;
  listTenantPages?: TenantPages | undefined;
  tenantIndex(run: string): TenantIndex;
}

export async function listFleet(
  deps: ListFleetDeps,
  filter: { where?: string; status?: CustomerStatus },
  ignoreHosts: string[] = [],
  pending: Array<{ id: string; customer: string; operation: string; requestedBy: string; expiresAt: number }> = [],
  sharedTenants: readonly string[] = [],
): Promise<FleetView> {
  const pendingApprovals = pending.map(({ id, customer, operation, requestedBy, expiresAt }) => ({ id, customer, operation, requestedBy, expiresAt }));
  const matches = (r: CustomerRecord) => (!filter.where || whereOf(targetOf(r)) === filter.where) && (!filter.status || r.status === filter.status);
  // Places taken in each shared tenant shown (the one filtered for, or all): a customer moving out still holds one.
  const listed = sharedTenants.filter((t) => !filter.where || filter.where === t);
  const used = await countSharedPlaces(deps.registry, listed);
  // The listing starts now, while the registry is read.
  const listing = deps.listTenantPages ? readAhead(deps.listTenantPages(), 4) : undefined;
  const index = listing ? deps.tenantIndex(`list:${Date.now()}:${Math.random().toString(36).slice(2, 10)}`) : undefined;
  const rows: FleetRow[] = [];
  const rowOfTenant = new Map<string, FleetRow>();
  const byWhere = new Map<string, Record<string, number>>();
  let total = 0;
  const unknownTenants: FleetView["unknownTenants"] = [];
  let unknownTenantCount = 0;
  const goneTenants: FleetView["goneTenants"] = [];
  let goneTenantCount = 0;
  const gone = (customer: string, tenantId: string) => {
    goneTenantCount++;
    if (goneTenants.length < FLEET_RECONCILE) goneTenants.push({ customer, tenantId });
  };
  try {
    // Every customer with a tenant goes into the index (a tenant is "unknown" only when no customer has it);
    // one that matches the filter and should still have its tenant is marked, to be told when it does not.
    for await (const page of deps.registry.scan()) {
      const entries: Array<{ tenantId: string; value: string }> = [];
      for (const r of page) {
        const match = matches(r);
        if (r.tenantId) entries.push({ tenantId: r.tenantId, value: `${r.customer}${match && r.kind === "cloud" && r.status !== "removed" ? " watched" : ""}` });
        if (!match) continue;
        total++;
        const where = whereOf(targetOf(r));
        const statuses = byWhere.get(where) ?? {};
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        byWhere.set(where, statuses);
        if (rows.length >= FLEET_ROWS) continue;
        const row = fleetRowOf(r);
        rows.push(row);
        if (r.tenantId) rowOfTenant.set(r.tenantId, row);
      }
      await index?.add(entries);
    }
    if (listing && index) {
      for await (const tenants of listing) {
        const known = new Map((await index.take(tenants.map((t) => t.id))).map((f) => [f.tenantId, f.values]));
        for (const t of tenants) {
          const values = known.get(t.id);
          if (!values) {
            if (t.status === "deleted" || t.hostnames.some((h) => ignoreHosts.includes(h))) continue;
            const region = regionOfDatacenter(t.regionCode);
            if (filter.where && region !== filter.where) continue;
            unknownTenantCount++;
            if (unknownTenants.length < FLEET_RECONCILE) unknownTenants.push({ id: t.id, name: t.name, ...(t.hostnames[0] ? { hostname: t.hostnames[0] } : {}), region });
            continue;
          }
          const row = rowOfTenant.get(t.id);
          if (row && t.status) row.tenantStatus = t.status;
          if (t.status === "deleted") for (const v of values) if (v.endsWith(" watched")) gone(v.split(" ")[0]!, t.id);
        }
      }
      // Customers whose tenant the listing never named: gone.
      for await (const page of index.leftovers()) {
        for (const { tenantId, values } of page) for (const v of values) if (v.endsWith(" watched")) gone(v.split(" ")[0]!, tenantId);
      }
    }
  } finally {
    await listing?.close();
    await index?.drop();
  }
  goneTenants.sort((a, b) => a.customer.localeCompare(b.customer));
  return {
    rows,
    total,
    byWhere: [...byWhere.entries()].map(([where, statuses]) => ({ where, statuses })).sort((a, b) => a.where.localeCompare(b.where)),
    live: Boolean(listing),
    unknownTenants,
    unknownTenantCount,
    goneTenants,
    goneTenantCount,
    pendingApprovals,
    sharedPlaces: listed.map((tenant) => ({ tenant, used: used[tenant] ?? 0 })),
  };
}
