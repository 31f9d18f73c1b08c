/**
 * One health sweep of one region or site. For a Qlik Cloud region the cheap fleet-wide signal comes
 * first: the organisation listing gives every tenant's status; tenants that are not active are red at
 * once. Detailed checks (the adapter's health) then run only for the customers that need them: those
 * not green, and the ones whose last detailed check is oldest, a bounded batch per sweep, so a region
 * of 8,500 tenants stays within Qlik's rate limits. On a client-managed site every customer gets the
 * detailed check. Verdicts go to the health history, which decides the alerts. A customer qoem could
 * not check (the listing or the adapter's health threw: rate limited, transient, config) is
 * "unknown", never red; the sweep's result says why once.
 *
 * Streaming, so that a region (or the whole estate, several regions at once) sweeps in bounded
 * memory: the registry is read a page at a time into a tenant index in Redis; each listing page, as it
 * arrives, takes its tenants' customers out of that index and their verdicts are written then; what
 * the listing never named is left in the index. Only the detailed batch (chosen in the registry pass)
 * is held, and its checks run while the listing streams.
 */
import { inParallel } from "./in-parallel.ts";
import type { DeploymentAdapter, Target } from "../../adapters/port.ts";
import { findRegion } from "../../adapters/qlik-cloud/regions.ts";
import { whereOf, type CustomerRecord, type CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import type { HealthHistory, HealthVerdict, LatestHealth } from "./health-history.ts";
import type { PendingAlert } from "./alert-outbox.ts";
import type { TenantPages } from "./list-fleet.ts";
import type { TenantIndex } from "./tenant-index.ts";
import { DetailPicker } from "./detail-picker.ts";
import { SweepVerdicts } from "./sweep-verdicts.ts";
import { readAhead } from "./read-ahead.ts";
import { TaskPool } from "./task-pool.ts";

export type SweepScope = Target;
export const scopeKey = (s: SweepScope) => (s.kind === "cloud" ? `cloud.${s.region}` : s.kind === "shared" ? `shared.${s.tenant}` : `site.${s.site}`);
export const scopeName = (s: SweepScope) => whereOf(s);

export type AlertEvent = PendingAlert;

export interface SweepDeps {
  registry: CustomerRegistry;
  history: HealthHistory;
  adapterFor(target: Target): DeploymentAdapter;
  /** The organisation listing, page by page, filtered (a SCIM filter); absent: every customer gets a detailed check. */
  listTenantPages?: TenantPages;
  /** A Redis index of tenant id -> customers for one run (the join of registry and listing). */
  tenantIndex(run: string): TenantIndex;
  /** Detailed checks per sweep of a cloud region, beyond the customers that are not green. */
  detailBatch?: number;
  concurrency?: number;
  /** Told as verdicts are written: how many of the scope's customers so far, and those verdicts counted. */
  progress?(done: number, total: number, counts: Record<HealthVerdict, number>): Promise<void>;
}

export interface SweepResult {
  scope: string;
  customers: number;
  detailed: number;
  counts: Record<HealthVerdict, number>;
  /** The alerts this sweep decided: the first hundred (all of them are in the outbox); `alertCount` counts them all. */
  alerts: AlertEvent[];
  alertCount: number;
  /** Customers this sweep could not check, and the first reason (said once per sweep, not per customer). */
  unchecked?: { count: number; code: string; reason: string };
}

/**
 * The customers a sweep checks: those whose record names where they are served. A move keeps the record on
 * the source until the target is built, then on the target, so a move waiting, running or failed is watched too.
 */
const watched = new Set<CustomerRecord["status"]>(["active", "onboard-failed", "offboard-pending", "move-pending", "moving", "move-failed"]);
/** Listing pages fetched ahead of the one being handled. */
const LISTING_AHEAD = 4;

/** The watched customers of the scope, a registry page at a time. */
async function* watchedPages(scope: SweepScope, registry: CustomerRegistry): AsyncGenerator<CustomerRecord[]> {
  for await (const page of registry.scan({ where: scopeName(scope) })) {
    const mine = page.filter((r) => r.kind === scope.kind && watched.has(r.status));
    if (mine.length) yield mine;
  }
}

export async function runSweep(scope: SweepScope, deps: SweepDeps): Promise<SweepResult> {
  const where = scopeName(scope);
  let total = 0;
  const verdicts = new SweepVerdicts(deps.history, where, (done, counts) => deps.progress?.(done, total, counts) ?? Promise.resolve());
  const detailCheck = async (r: CustomerRecord, knownStatus?: string) => {
    try {
      const report = await deps.adapterFor(scope).health({ ...environmentOf(r), ...(knownStatus ? { knownStatus } : {}) });
      await verdicts.add({ customer: r.customer, where, verdict: report.verdict, reasons: report.reasons, detailed: true });
    } catch (e) {
      await verdicts.notChecked(r.customer, e);
    }
  };

  if (scope.kind === "cloud" && deps.listTenantPages) {
    total = await sweepWithListing(scope, deps, verdicts, detailCheck);
  } else {
    // No fleet-wide signal: every customer gets the detailed check, a registry page at a time.
    for await (const page of watchedPages(scope, deps.registry)) {
      total += page.length;
      await inParallel(page, deps.concurrency ?? 32, (r) => detailCheck(r));
    }
  }
  await verdicts.flush();
  await deps.history.markSweep();
  await deps.progress?.(total, total, { ...verdicts.counts });
  return {
    scope: scopeKey(scope),
    customers: total,
    detailed: verdicts.detailed,
    counts: verdicts.counts,
    alerts: verdicts.alerts,
    alertCount: verdicts.alertCount,
    ...(verdicts.unchecked ? { unchecked: verdicts.unchecked } : {}),
  };
}

/**
 * The cloud sweep. The registry pass indexes the region's customers by tenant and picks the detailed
 * batch from their last verdicts; the listing then streams through the index: each customer gets its
 * fleet verdict as its page arrives, and a batch member the listing shows active starts its detailed
 * check at once, so the checks run while the (rate-limited) listing goes on, not after it. A batch
 * member the listing shows not active is red without one. Returns the customers swept.
 */
async function sweepWithListing(scope: SweepScope & { kind: "cloud" }, deps: SweepDeps, verdicts: SweepVerdicts, detailCheck: (r: CustomerRecord, knownStatus?: string) => Promise<void>): Promise<number> {
  const where = scope.region;
  const datacenter = findRegion(scope.region)?.datacenter ?? scope.region;
  // The listing starts now (it is the slow, rate-limited part) while the registry is indexed.
  const listing = readAhead(deps.listTenantPages!(`regionCode eq "${datacenter}"`), LISTING_AHEAD);
  const index = deps.tenantIndex(`${scopeKey(scope)}:${Date.now()}:${Math.random().toString(36).slice(2, 10)}`);
  const picker = new DetailPicker(deps.detailBatch ?? 100);
  const checks = new TaskPool(deps.concurrency ?? 8);
  // A customer out of the detailed batch keeps its last detailed verdict (or the fleet signal's green).
  const carry = (customer: string, previous: LatestHealth | undefined) =>
    verdicts.add(previous?.detailedAt ? { customer, where, verdict: previous.verdict, reasons: previous.reasons } : { customer, where, verdict: "green", reasons: [] });
  const detail = async (customer: string, previous: LatestHealth | undefined) => {
    const r = await deps.registry.get(customer);
    // Changed since it was indexed (removed, or no longer watched): the listing's word stands.
    if (!r || !watched.has(r.status) || !r.tenantId) return carry(customer, previous);
    await detailCheck(r, "active");
  };
  let total = 0;
  let listingError: unknown;
  try {
    for await (const page of watchedPages(scope, deps.registry)) {
      total += page.length;
      const previous = await deps.history.latestOf(page.map((r) => r.customer));
      for (const r of page) {
        if (r.tenantId) picker.offer({ customer: r.customer, previous: previous.get(r.customer) });
        else await verdicts.add({ customer: r.customer, where, verdict: "red", reasons: ["tenant (none recorded) is not in the organisation's tenant list"] });
      }
      await index.add(page.flatMap((r) => (r.tenantId ? [{ tenantId: r.tenantId, value: r.customer }] : [])));
    }
    const batch = new Map(picker.drain().map((c) => [c.customer, c]));
    try {
      for await (const tenants of listing) {
        const found = await index.take(tenants.map((t) => t.id));
        if (found.length === 0) continue;
        const statusOf = new Map(tenants.map((t) => [t.id, t.status]));
        const customers = found.flatMap((f) => f.values.map((customer) => ({ customer, status: statusOf.get(f.tenantId) })));
        const previous = await deps.history.latestOf(customers.filter((c) => c.status === "active" && !batch.has(c.customer)).map((c) => c.customer));
        for (const { customer, status } of customers) {
          const chosen = batch.get(customer);
          batch.delete(customer);
          if (status !== "active") await verdicts.add({ customer, where, verdict: "red", reasons: [`tenant status is ${status}`] });
          else if (chosen) checks.add(() => detail(customer, chosen.previous).catch((e: unknown) => verdicts.notChecked(customer, e)));
          else await carry(customer, previous.get(customer));
        }
      }
    } catch (error) {
      listingError = error;
    }
    // What the listing never named: red when it was read to the end, unknown when it failed part way.
    for await (const page of index.leftovers()) {
      for (const { tenantId, values } of page) {
        for (const customer of values) {
          if (listingError) await verdicts.notChecked(customer, listingError);
          else await verdicts.add({ customer, where, verdict: "red", reasons: [`tenant ${tenantId} is not in the organisation's tenant list`] });
        }
      }
    }
  } finally {
    await listing.close();
    await index.drop();
    // Checks already started finish (their verdicts are real); none start after a failed listing.
    await checks.done();
  }
  return total;
}
