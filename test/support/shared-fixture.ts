// A Qlik Cloud emulator with its shared tenant, the shared-tenant adapter pointed at it, and the views a test checks through.
import type { CloudEmulator, CloudEmulatorOptions } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorSharedTenant } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { createSharedTenantAdapter } from "../../adapters/qlik-cloud/shared-tenant/shared-tenant-adapter.ts";
import type { SharedTenantAccess } from "../../adapters/qlik-cloud/shared-tenant/shared-context.ts";
import type { CustomerEnvironment, DeploymentAdapter, OnboardRequest, RateGate, StepFacts } from "../../adapters/port.ts";
import { startCloudFixture } from "./cloud-fixture.ts";

export const SHARED = emulatorSharedTenant.name;
export const SHARED_HOST = emulatorSharedTenant.hostname;

/** `rateGate`: paces the adapters' calls, as the composition root's shared gate does. */
export async function startSharedFixture(options: CloudEmulatorOptions = {}, offer: Partial<Pick<SharedTenantAccess, "templates" | "features" | "dummyEmailDomain">> = {}, rateGate?: RateGate) {
  const cloud = await startCloudFixture(options, {}, rateGate ? { rateGate } : {});
  const tenants: Record<string, SharedTenantAccess> = {
    [SHARED]: { hostname: SHARED_HOST, region: "eu", ...cloud.emulator.regionClients.eu!, templates: [], features: [], dummyEmailDomain: "users.invalid", ...offer },
  };
  const adapter = createSharedTenantAdapter(cloud.adapter.context, tenants);
  const tenant = cloud.emulator.state.tenantByHost(SHARED_HOST)!;
  return { ...cloud, cloudAdapter: cloud.adapter, adapter, tenant, data: cloud.emulator.state.dataOf(tenant.id) };
}

export const sharedRequest = (customer: string, extra: Partial<OnboardRequest> = {}): OnboardRequest => ({ customer, target: { kind: "shared", tenant: SHARED }, templates: [], features: [], ...extra });
export const sharedEnv = (customer: string): CustomerEnvironment => ({ customer, target: { kind: "shared", tenant: SHARED } });

/** Every step in order, as core's runner does (facts and checkpoints), without Redis. */
export async function runAll(adapter: DeploymentAdapter, request: OnboardRequest, facts: StepFacts = {}) {
  const outcomes: Array<{ id: string; outcome: string }> = [];
  for (const step of adapter.onboardSteps(request)) {
    const o = await step.run({ request, facts: { ...facts }, checkpoint: async (f) => void Object.assign(facts, f) });
    Object.assign(facts, o.facts ?? {});
    outcomes.push({ id: step.id, outcome: o.outcome });
  }
  return { facts, outcomes };
}

/** A person of the customer signing in through the embedding (the emulator's JWT login): a token that acts as that person. */
export async function signIn(emulator: CloudEmulator, person: { name: string; email?: string; groups: string[] }): Promise<{ id: string; token: string }> {
  const res = await fetch(`${emulator.url}/_emulator/tenants/${SHARED_HOST}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(person) });
  if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; token: string };
}

/** What a signed-in person sees through the API: space names and app names (with their space's name). */
export async function seenBy(emulator: CloudEmulator, token: string): Promise<{ spaces: string[]; apps: string[] }> {
  const get = async (path: string) => {
    const res = await fetch(`${emulator.hostUrl(SHARED_HOST)}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { data: Array<{ id: string; name: string; spaceId?: string }> };
  };
  const spaces = (await get("/api/v1/spaces?limit=100")).data;
  const names = new Map(spaces.map((s) => [s.id, s.name]));
  const apps = (await get("/api/v1/items?resourceType=app&limit=100")).data;
  return { spaces: spaces.map((s) => s.name).sort(), apps: apps.map((a) => `${names.get(a.spaceId ?? "") ?? "?"}/${a.name}`).sort() };
}

/** One customer's objects in the shared tenant, counted, for "exactly one of everything" checks. */
export function sharedContents(emulator: CloudEmulator, customer: string) {
  const tenant = emulator.state.tenantByHost(SHARED_HOST)!;
  const data = emulator.state.dataOf(tenant.id);
  const spaces = [...data.spaces.values()].filter((s) => s.name === `${customer}-staging` || s.name === `${customer}-production`);
  const staging = spaces.find((s) => s.type === "shared");
  const production = spaces.find((s) => s.type === "managed");
  const groups = [...data.groups.values()].filter((g) => g.name === `${customer}-users`);
  const apps = [...data.apps.values()];
  return {
    spaces: spaces.map((s) => `${s.name}:${s.type}`).sort(),
    groups: groups.length,
    staged: apps.filter((a) => a.spaceId === staging?.id).map((a) => a.name).sort(),
    published: apps.filter((a) => a.spaceId === production?.id && a.published).map((a) => a.name).sort(),
    productionAssignments: production ? (data.assignments.get(production.id) ?? []).map((a) => `${a.type}:${a.roles.join("+")}:${groups.some((g) => g.id === a.assigneeId) ? "own" : "other"}`) : [],
    stagingAssignments: staging ? (data.assignments.get(staging.id) ?? []).length : 0,
  };
}

const templates = ["Customer Insights", "Operations Monitor", "Sales Overview"];
export const expectedSharedContents = (customer: string) => ({
  spaces: [`${customer}-production:managed`, `${customer}-staging:shared`],
  groups: 1,
  staged: templates,
  published: templates,
  productionAssignments: ["group:consumer:own"],
  stagingAssignments: 0,
});
