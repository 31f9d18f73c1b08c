// A Qlik Cloud emulator plus a cloud adapter pointed at it through the hostname seam.
import { startCloudEmulator, type CloudEmulator, type CloudEmulatorOptions } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults, emulatorOnboarding } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { createCloudAdapter } from "../../adapters/qlik-cloud/cloud-adapter.ts";
import { emulatedHosts } from "../../adapters/hostname-seam.ts";
import { cloudRegions, organizationHost, registerHost } from "../../adapters/qlik-cloud/regions.ts";
import type { OnboardRequest, RateGate, StepFacts } from "../../adapters/port.ts";
import type { CloudOnboardingOptions } from "../../adapters/qlik-cloud/onboarding-options.ts";

/** `adapter.organization: false`: an adapter without an organisation client (tenant hosts and register hosts only). */
export async function startCloudFixture(options: CloudEmulatorOptions = {}, onboarding: Partial<CloudOnboardingOptions> = {}, adapter_: { organization?: boolean; rateGate?: RateGate } = {}) {
  const emulator = await startCloudEmulator({ ...emulatorDefaults(), ...options });
  const adapter = createCloudAdapter({
    resolveHost: emulatedHosts(emulator.url),
    regions: Object.fromEntries(cloudRegions.map((r) => [r.code, { ...emulator.regionClients[r.code]!, datacenter: r.datacenter, registerHost: registerHost(r.code) }])),
    ...(adapter_.organization === false ? {} : { organization: { ...emulator.organizationClient, host: organizationHost, subscriptionId: emulator.subscriptionId } }),
    ...(adapter_.rateGate ? { rateGate: adapter_.rateGate } : {}),
    sourceTenant: { hostname: emulator.sourceTenantHost, region: "eu" },
    onboarding: { ...emulatorOnboarding(), ...onboarding },
  });
  const close = async () => {
    await emulator.close();
    // Test mode (vitest.config.ts): an answer that breaks Qlik's specification fails the test that caused it.
    if (emulator.contract.violations.length) throw new Error(`emulator answers broke Qlik's specification:\n${emulator.contract.violations.join("\n")}`);
  };
  return { emulator, adapter, close };
}

export const onboardRequest = (customer: string, region = "eu"): OnboardRequest => ({ customer, target: { kind: "cloud", region }, templates: [], features: [] });

/** Runs every step in order the way core's runner does (facts and checkpoints), without Redis. */
export async function runSteps(adapter: ReturnType<typeof createCloudAdapter>, request: OnboardRequest, facts: StepFacts = {}) {
  const outcomes: Array<{ id: string; outcome: string }> = [];
  for (const step of adapter.onboardSteps(request)) {
    const o = await step.run({ request, facts: { ...facts }, checkpoint: async (f) => void Object.assign(facts, f) });
    Object.assign(facts, o.facts ?? {});
    outcomes.push({ id: step.id, outcome: o.outcome });
  }
  return { facts, outcomes };
}

export const tenantsNamed = (emulator: CloudEmulator, name: string) => [...emulator.state.tenants.values()].filter((t) => t.name === name && t.status !== "deleted");

/** Everything one customer's tenant holds, counted, for "exactly one of everything" checks. */
export function tenantContents(emulator: CloudEmulator, customer: string) {
  const tenants = tenantsNamed(emulator, customer);
  const tenant = tenants[0];
  if (!tenant) return { tenants: 0 };
  const data = emulator.state.dataOf(tenant.id);
  const spaces = [...data.spaces.values()];
  const production = spaces.find((s) => s.type === "managed");
  const staging = spaces.find((s) => s.type === "shared");
  const apps = [...data.apps.values()];
  return {
    tenants: tenants.length,
    alias: tenant.hostnames[1],
    idps: data.idps.size,
    spaces: spaces.map((s) => `${s.name}:${s.type}`).sort(),
    staged: apps.filter((a) => a.spaceId === staging?.id).map((a) => a.name).sort(),
    published: apps.filter((a) => a.spaceId === production?.id && a.published).map((a) => a.name).sort(),
    groups: [...data.groups.values()].map((g) => g.name),
    assignments: production ? (data.assignments.get(production.id) ?? []).length : 0,
    brands: [...data.brands.values()].map((b) => `${b.name}:${b.active}`),
    webhooks: [...data.webhooks.values()].map((w) => w.name),
    licenseSettings: data.licenseSettings,
  };
}

export const expectedContents = (customer: string) => ({
  tenants: 1,
  alias: `${customer}.eu.qlikcloud.com`,
  idps: 1,
  spaces: [`${customer}-production:managed`, `${customer}-staging:shared`],
  staged: ["Customer Insights", "Operations Monitor", "Sales Overview"],
  published: ["Customer Insights", "Operations Monitor", "Sales Overview"],
  groups: [`${customer}-users`],
  assignments: 1,
  brands: [`qoem-${customer}:true`],
  webhooks: [`qoem-${customer}-reload-failures`],
  licenseSettings: { autoAssignProfessional: false, autoAssignAnalyzer: true },
});
