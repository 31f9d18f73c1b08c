// Dry run of a move: what the target's onboard would make, which apps move (name, size, from, to), what is removed from the source and when. Reads only.
import { unsupported, type CustomerApp, type DeploymentAdapter, type OnboardRequest, type PlannedStep, type Target } from "../../adapters/port.ts";
import { planOnboard } from "./plan-onboard.ts";
import { environmentOf } from "./customer-environment.ts";
import { targetOf, templatesOf, type CustomerRecord } from "./customer-registry.ts";
import { checkMovableApps } from "./check-movable-apps.ts";
import { describeTarget } from "./customer-moves.ts";

export interface MovePlan {
  from: string;
  to: string;
  target: PlannedStep[];
  apps: Array<{ name: string; sizeBytes: number; from: string; to: string }>;
  refusals: string[];
  removal: string;
}

/**
 * The onboard the target runs: the customer's templates and (cloud to cloud, shared to cloud) features, a
 * shared tenant's offer standing in for what its record leaves to the offer, so growing out keeps what it had.
 */
export function moveRequestOf(record: CustomerRecord, to: Target, source?: DeploymentAdapter): OnboardRequest {
  const offer = record.kind === "shared" ? source?.offerOf?.(targetOf(record)) : undefined;
  const recorded = record.features ? record.features.split(",").filter(Boolean) : [];
  const features = to.kind !== "cloud" || record.kind === "client-managed" ? [] : recorded.length ? recorded : (offer?.features ?? []);
  return { customer: record.customer, target: to, templates: templatesOf(record).length ? templatesOf(record) : (offer?.templates ?? []), features };
}

export function describeRemoval(record: CustomerRecord, graceDays: number): string {
  const what =
    record.kind === "cloud"
      ? `tenant ${record.tenantId ?? "(none recorded)"} is deactivated with a purge date (reactivatable until then)`
      : record.kind === "shared"
        ? `the customer's spaces, apps, assignments, the users of its group and the group are removed from shared tenant ${record.sharedTenant ?? "(none recorded)"}; the tenant and its other customers stay`
        : `the customer's apps, stream, rule, virtual proxy and tag are removed from site ${record.site}`;
  return `once the target is healthy, after a second approval or ${graceDays} days (the grace period, during which move back returns to the source untouched): ${what}`;
}

/** Where each moved app lands: the target's staging space, then published to production. */
const landing = (customer: string, to: Target) => (to.kind === "cloud" ? `${customer}-staging → ${customer}-production on ${to.region}` : to.kind === "shared" ? `shared tenant ${to.tenant}` : `site ${to.site}`);

export async function listSourceApps(source: DeploymentAdapter, record: CustomerRecord): Promise<CustomerApp[]> {
  if (!source.apps) throw unsupported(`qoem cannot read the apps of a ${record.kind} customer, so ${record.customer} cannot be moved`);
  return source.apps.listApps(environmentOf(record));
}

export async function planMove(record: CustomerRecord, source: DeploymentAdapter, target: DeploymentAdapter, to: Target, graceDays: number): Promise<MovePlan> {
  const apps = await listSourceApps(source, record);
  const from = describeTarget(targetOf(record));
  const refusals = checkMovableApps(apps, target, describeTarget(to));
  return {
    from,
    to: describeTarget(to),
    target: await planOnboard(target, moveRequestOf(record, to, source)),
    apps: apps.map((a) => ({ name: a.name, sizeBytes: a.sizeBytes, from, to: landing(record.customer, to) })),
    refusals,
    removal: describeRemoval(record, graceDays),
  };
}
