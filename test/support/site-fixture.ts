// A client-managed site emulator plus the site adapter pointed at it, and a snapshot of what a customer owns there.
import { startSiteEmulator, type SiteEmulator, type SiteEmulatorOptions } from "../../adapters/client-managed/emulator/site-emulator.ts";
import { createSiteAdapter, type SiteAccess } from "../../adapters/client-managed/site-adapter.ts";
import { emulatedSite } from "../../src/create-adapters.ts";
import type { OnboardRequest, RateGate, StepFacts } from "../../adapters/port.ts";

/** `rateGateOf`: each site's repository gate, as the composition root gives it. */
export async function startSiteFixture(options: SiteEmulatorOptions = {}, access: Partial<SiteAccess> = {}, rateGateOf?: (site: string) => RateGate) {
  const emulator = await startSiteEmulator(options);
  const adapter = createSiteAdapter({ onprem: { ...emulatedSite(emulator.qrsUrl, emulator.engineUrl), ...access } }, rateGateOf ? { rateGateOf } : {});
  return { emulator, adapter, close: () => emulator.close() };
}

export const siteRequest = (customer: string): OnboardRequest => ({ customer, target: { kind: "client-managed", site: "onprem" }, templates: [], features: [] });

export async function runSiteSteps(adapter: ReturnType<typeof createSiteAdapter>, request: OnboardRequest, facts: StepFacts = {}) {
  const outcomes: string[] = [];
  for (const step of adapter.onboardSteps(request)) {
    const o = await step.run({ request, facts: { ...facts }, checkpoint: async (f) => void Object.assign(facts, f) });
    Object.assign(facts, o.facts ?? {});
    outcomes.push(`${step.id}:${o.outcome}`);
  }
  return { facts, outcomes };
}

/** Everything on the site that belongs to `customer`, as names, for exact comparisons. */
export function siteContents(emulator: SiteEmulator, customer: string) {
  const s = emulator.state;
  const stream = [...s.streams.values()].find((x) => x.name === customer);
  const apps = [...s.apps.values()].filter((a) => a.stream?.id === stream?.id || a.customProperties.some((c) => c.value === customer));
  const def = [...s.definitions.values()].find((d) => d.name === "Customer");
  const vps = [...s.virtualProxies.values()].filter((v) => v.prefix === customer);
  const linked = [...s.proxyServices.values()].flatMap((p) => p.settings.virtualProxies.map((v) => v.id));
  return {
    streams: [...s.streams.values()].filter((x) => x.name === customer).length,
    streamTagged: Boolean(stream?.customProperties.some((c) => c.value === customer)),
    apps: apps.map((a) => `${a.name}:${a.published ? "published" : "staged"}`).sort(),
    rules: [...s.rules.values()].filter((r) => r.name === `qoem-${customer}-stream`).map((r) => `${r.rule}|${r.resourceFilter === `Stream_${stream?.id}`}|${r.disabled}`),
    tag: Boolean(def?.choiceValues.includes(customer)),
    virtualProxies: vps.map((v) => `${v.prefix}:${v.authenticationMethod}:${linked.includes(v.id)}`),
  };
}

export const expectedSite = (customer: string) => ({
  streams: 1,
  streamTagged: true,
  apps: ["Operations Monitor:published", "Sales Overview:published"],
  rules: [`user.userDirectory = "${customer.toUpperCase()}"|true|false`],
  tag: true,
  virtualProxies: [`${customer}:4:true`],
});
