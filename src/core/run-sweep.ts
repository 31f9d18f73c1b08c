/**
 * One health sweep of one region or site. For a Qlik Cloud region the cheap fleet-wide signal comes
 * first: one paginated organisation listing gives every tenant's status; tenants that are not
 * active are red at once. Detailed checks (the adapter's health) then run only for the customers
 * that need them: those not green, and the ones whose last detailed check is oldest, a bounded
 * batch per sweep, so a region of 8,500 tenants stays within Qlik's rate limits. On a
 * client-managed site every customer gets the detailed check. Verdicts go to the health history,
 * which decides the alerts. A customer qoem could not check (the listing or the adapter's health
 * threw: rate limited, transient, config) is "unknown", never red; the sweep's result says why once.
 */
import { toErrorData, type DeploymentAdapter, type Target } from "../../adapters/port.ts";
import { findRegion } from "../../adapters/qlik-cloud/regions.ts";
import { whereOf, type CustomerRecord, type CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import type { HealthHistory, HealthVerdict, SweepVerdict } from "./health-history.ts";
import type { PendingAlert } from "./alert-outbox.ts";
import type { OrgTenantView } from "./list-fleet.ts";

export type SweepScope = Target;
export const scopeKey = (s: SweepScope) => (s.kind === "cloud" ? `cloud.${s.region}` : s.kind === "shared" ? `shared.${s.tenant}` : `site.${s.site}`);
export const scopeName = (s: SweepScope) => whereOf(s);

export type AlertEvent = PendingAlert;

export interface SweepDeps {
  registry: CustomerRegistry;
  history: HealthHistory;
  adapterFor(target: Target): DeploymentAdapter;
  /** The organisation listing, filtered (a SCIM filter); absent: every customer gets a detailed check. */
  listTenants?: (filter: string) => Promise<OrgTenantView[]>;
  /** Detailed checks per sweep of a cloud region, beyond the customers that are not green. */
  detailBatch?: number;
  concurrency?: number;
  progress?(done: number, total: number): Promise<void>;
}

export interface SweepResult {
  scope: string;
  customers: number;
  detailed: number;
  counts: Record<HealthVerdict, number>;
  alerts: AlertEvent[];
  /** Customers this sweep could not check, and the first reason (said once per sweep, not per customer). */
  unchecked?: { count: number; code: string; reason: string };
}

const watched = new Set<CustomerRecord["status"]>(["active", "onboard-failed", "offboard-pending"]);

async function inParallel<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
}

export async function runSweep(scope: SweepScope, deps: SweepDeps): Promise<SweepResult> {
  const where = scopeName(scope);
  // The organisation listing (for a region) is read while the scope's customers and verdicts are.
  const datacenter = scope.kind === "cloud" ? (findRegion(scope.region)?.datacenter ?? scope.region) : "";
  const listing = scope.kind === "cloud" && deps.listTenants ? deps.listTenants(`regionCode eq "${datacenter}"`) : undefined;
  listing?.catch(() => undefined);
  const records = (await deps.registry.list({ where })).filter((r) => r.kind === scope.kind && watched.has(r.status));
  const previous = await deps.history.latestOf(records.map((r) => r.customer));
  const results: SweepVerdict[] = [];
  let toDetail: CustomerRecord[] = records;
  let unchecked: SweepResult["unchecked"];
  const notChecked = (r: CustomerRecord, error: unknown): SweepVerdict => {
    const { code, message } = toErrorData(error);
    if (unchecked) unchecked.count++;
    else unchecked = { count: 1, code, reason: message };
    return { customer: r.customer, where, verdict: "unknown", reasons: [`could not be checked: ${message}`] };
  };

  const known = new Map<string, string>();
  const tenantList = listing ? await listing.then((list) => ({ list }), (error: unknown) => ({ error })) : undefined;
  if (tenantList && "error" in tenantList) {
    // Without the listing nobody is checked this sweep: unknown, not red, and no detailed checks.
    for (const r of records) results.push(notChecked(r, tenantList.error));
    toDetail = [];
  } else if (tenantList) {
    const tenants = new Map(tenantList.list.map((t) => [t.id, t]));
    const active: CustomerRecord[] = [];
    for (const r of records) {
      const tenant = r.tenantId ? tenants.get(r.tenantId) : undefined;
      if (!tenant) results.push({ customer: r.customer, where, verdict: "red", reasons: [`tenant ${r.tenantId ?? "(none recorded)"} is not in the organisation's tenant list`] });
      else if (tenant.status !== "active") results.push({ customer: r.customer, where, verdict: "red", reasons: [`tenant status is ${tenant.status}`] });
      else {
        known.set(r.customer, "active");
        active.push(r);
      }
    }
    // Detailed checks in order of need: not green last time, never checked, then the oldest check;
    // a bounded batch per sweep. The rest keep their last detailed verdict (or the fleet signal).
    const need = (r: CustomerRecord) => {
      const last = previous.get(r.customer);
      return !last?.detailedAt ? 1 : last.verdict !== "green" ? 0 : 2;
    };
    active.sort((a, b) => need(a) - need(b) || (previous.get(a.customer)?.detailedAt ?? "").localeCompare(previous.get(b.customer)?.detailedAt ?? ""));
    const batch = deps.detailBatch ?? 100;
    toDetail = active.slice(0, batch);
    for (const r of active.slice(batch)) {
      const last = previous.get(r.customer);
      results.push(last?.detailedAt ? { customer: r.customer, where, verdict: last.verdict, reasons: last.reasons } : { customer: r.customer, where, verdict: "green", reasons: [] });
    }
  }

  let done = results.length;
  await deps.progress?.(done, records.length);
  const detailed = await inParallel(toDetail, deps.concurrency ?? 32, async (r): Promise<SweepVerdict> => {
    let result: SweepVerdict;
    try {
      const status = known.get(r.customer);
      const report = await deps.adapterFor(scope).health({ ...environmentOf(r), ...(status ? { knownStatus: status } : {}) });
      result = { customer: r.customer, where, verdict: report.verdict, reasons: report.reasons, detailed: true };
    } catch (e) {
      result = notChecked(r, e);
    }
    done++;
    if (done % 50 === 0) await deps.progress?.(done, records.length);
    return result;
  });
  results.push(...detailed);

  const alerts: AlertEvent[] = [];
  const counts: Record<HealthVerdict, number> = { green: 0, amber: 0, red: 0, unknown: 0 };
  for (let i = 0; i < results.length; i += 500) {
    for (const rec of await deps.history.record(results.slice(i, i + 500))) {
      counts[rec.latest.verdict]++;
      if (rec.alert) alerts.push(rec.alert);
    }
  }
  await deps.history.markSweep();
  await deps.progress?.(records.length, records.length);
  return { scope: scopeKey(scope), customers: records.length, detailed: detailed.filter((d) => d.detailed).length, counts, alerts, ...(unchecked ? { unchecked } : {}) };
}
