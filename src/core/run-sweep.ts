/**
 * One health sweep of one region or site. For a Qlik Cloud region the cheap fleet-wide signal comes
 * first: one paginated organisation listing gives every tenant's status; tenants that are not
 * active are red at once. Detailed checks (the adapter's health) then run only for the customers
 * that need them: those not green, and the ones whose last detailed check is oldest, a bounded
 * batch per sweep, so a region of 8,500 tenants stays within Qlik's rate limits. On a
 * client-managed site every customer gets the detailed check. Verdicts go to the health history,
 * which decides the alerts.
 */
import type { DeploymentAdapter, Target, Verdict } from "../../adapters/port.ts";
import { findRegion } from "../../adapters/qlik-cloud/regions.ts";
import type { CustomerRecord, CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import type { AlertKind, HealthHistory, LatestHealth } from "./health-history.ts";
import type { OrgTenantView } from "./list-fleet.ts";

export type SweepScope = Target;
export const scopeKey = (s: SweepScope) => (s.kind === "cloud" ? `cloud.${s.region}` : `site.${s.site}`);
export const scopeName = (s: SweepScope) => (s.kind === "cloud" ? s.region : s.site);

export interface AlertEvent {
  kind: AlertKind;
  customer: string;
  where: string;
  verdict: Verdict;
  reasons: string[];
  previous?: Verdict;
}

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
  counts: Record<Verdict, number>;
  alerts: AlertEvent[];
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
  const records = (await deps.registry.list({ where })).filter((r) => r.kind === scope.kind && watched.has(r.status));
  const previous = new Map((await deps.history.all()).map((l) => [l.customer, l]));
  const results: Array<{ customer: string; where: string; verdict: Verdict; reasons: string[]; detailed?: boolean }> = [];
  let toDetail: CustomerRecord[] = records;

  if (scope.kind === "cloud" && deps.listTenants) {
    const datacenter = findRegion(scope.region)?.datacenter ?? scope.region;
    const tenants = new Map((await deps.listTenants(`regionCode eq "${datacenter}"`)).map((t) => [t.id, t]));
    toDetail = [];
    const candidates: CustomerRecord[] = [];
    for (const r of records) {
      const tenant = r.tenantId ? tenants.get(r.tenantId) : undefined;
      const last = previous.get(r.customer);
      if (!tenant) results.push({ customer: r.customer, where, verdict: "red", reasons: [`tenant ${r.tenantId ?? "(none recorded)"} is not in the organisation's tenant list`] });
      else if (tenant.status !== "active") results.push({ customer: r.customer, where, verdict: "red", reasons: [`tenant status is ${tenant.status}`] });
      else if (!last || last.verdict !== "green" || !last.detailedAt) toDetail.push(r);
      else candidates.push(r);
    }
    // The rest in turn: oldest detailed check first, a bounded batch per sweep.
    candidates.sort((a, b) => (previous.get(a.customer)?.detailedAt ?? "").localeCompare(previous.get(b.customer)?.detailedAt ?? ""));
    const batch = Math.max(0, (deps.detailBatch ?? 100) - toDetail.length);
    toDetail.push(...candidates.slice(0, batch));
    for (const r of candidates.slice(batch)) {
      const last = previous.get(r.customer) as LatestHealth;
      results.push({ customer: r.customer, where, verdict: last.verdict, reasons: last.reasons });
    }
  }

  let done = results.length;
  await deps.progress?.(done, records.length);
  const detailed = await inParallel(toDetail, deps.concurrency ?? 16, async (r) => {
    let verdict: Verdict;
    let reasons: string[];
    try {
      const report = await deps.adapterFor(scope).health(environmentOf(r));
      verdict = report.verdict;
      reasons = report.reasons;
    } catch (e) {
      verdict = "red";
      reasons = [`the health check failed: ${(e as Error).message}`];
    }
    done++;
    if (done % 50 === 0) await deps.progress?.(done, records.length);
    return { customer: r.customer, where, verdict, reasons, detailed: true };
  });
  results.push(...detailed);

  const alerts: AlertEvent[] = [];
  const counts: Record<Verdict, number> = { green: 0, amber: 0, red: 0 };
  for (let i = 0; i < results.length; i += 500) {
    for (const rec of await deps.history.record(results.slice(i, i + 500))) {
      counts[rec.latest.verdict]++;
      if (rec.alert) alerts.push({ kind: rec.alert, customer: rec.latest.customer, where, verdict: rec.latest.verdict, reasons: rec.latest.reasons, ...(rec.previous ? { previous: rec.previous } : {}) });
    }
  }
  await deps.progress?.(records.length, records.length);
  return { scope: scopeKey(scope), customers: records.length, detailed: detailed.length, counts, alerts };
}
