/**
 * A rollout's dry run: which customers of the scope would get the template's new version (their
 * production has it published), which already have that version, which do not have the template,
 * and about how long the rollout would take. Reads only.
 */
import { rolloutOf } from "./plan-rollout.ts";
import type { DeploymentAdapter, Target, TemplateVersion } from "../../adapters/port.ts";
import { toQoemError, userError } from "../../adapters/port.ts";
import { targetOf, templateVersionsOf, type CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import { customersInScope, describeScope, planWaves } from "./plan-rollout.ts";
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
  estimatedSeconds: number;
}

/** Calls per customer in a rollout (finding, keeping, staging, replacing, reloading and following, opening, tidying). */
const CALLS_PER_CUSTOMER = 12;

export async function dryRunRollout(deps: { registry: CustomerRegistry; adapterFor(target: Target): DeploymentAdapter; concurrency: number }, input: { template: string; scope: RolloutScope; canary: number }): Promise<RolloutDryRun> {
  const inScope = await customersInScope(deps.registry, input.scope);
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
  const out: RolloutDryRun = { template: input.template, scope: describeScope(input.scope), versions: {}, wouldUpdate: [], alreadyCurrent: [], withoutTemplate: [], unreadable: [], waves: [], estimatedSeconds: 0 };
  for (const [source, v] of versions) out.versions[source] = v?.version ?? "(not in this source)";
  let next = 0;
  let readMs = 0;
  let reads = 0;
  const lanes = Array.from({ length: Math.min(deps.concurrency, inScope.customers.length) }, async () => {
    while (next < inScope.customers.length) {
      const record = inScope.customers[next++]!;
      const version = versions.get(versionSourceOf(targetOf(record)));
      if (!version) {
        out.withoutTemplate.push(record.customer);
        continue;
      }
      if (templateVersionsOf(record)[input.template] === version.version) {
        out.alreadyCurrent.push(record.customer);
        continue;
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
    }
  });
  await Promise.all(lanes);
  out.wouldUpdate.sort();
  out.waves = planWaves(out.wouldUpdate, input.canary).map((w) => w.length);
  // One customer's calls run one after another (a reload on top); waves run one after another, each with `concurrency` customers at once.
  const perCallMs = reads ? readMs / reads / 3 : 200;
  const perCustomerMs = perCallMs * CALLS_PER_CUSTOMER + 5_000;
  out.estimatedSeconds = Math.round(out.waves.reduce((sum, size) => sum + Math.ceil(size / deps.concurrency) * perCustomerMs, 0) / 1000);
  return out;
}
