// A Qlik Cloud emulator plus a cloud adapter pointed at it through the hostname seam.
import { startCloudEmulator, type CloudEmulator, type CloudEmulatorOptions } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { createCloudAdapter } from "../../adapters/qlik-cloud/cloud-adapter.ts";
import { emulatedHosts } from "../../adapters/hostname-seam.ts";
import { cloudRegions, organizationHost, registerHost } from "../../adapters/qlik-cloud/regions.ts";
import type { OnboardRequest, StepFacts } from "../../adapters/port.ts";

export async function startCloudFixture(options: CloudEmulatorOptions = {}) {
  const emulator = await startCloudEmulator({ ...emulatorDefaults(), ...options });
  const adapter = createCloudAdapter({
    resolveHost: emulatedHosts(emulator.url),
    regions: Object.fromEntries(cloudRegions.map((r) => [r.code, { ...emulator.regionClients[r.code]!, datacenter: r.datacenter, registerHost: registerHost(r.code) }])),
    organization: { ...emulator.organizationClient, host: organizationHost, subscriptionId: emulator.subscriptionId },
    sourceTenant: { hostname: emulator.sourceTenantHost, region: "eu" },
  });
  return { emulator, adapter, close: () => emulator.close() };
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
