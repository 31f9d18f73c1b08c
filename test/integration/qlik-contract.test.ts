// qoem's Qlik calls against Qlik's own specification: every operation vendored, tiers from it, the emulator refusing what it refuses.
import { afterEach, describe, expect, it } from "vitest";
import { offSpecOperations, qlikOperations, type QlikOperationId } from "../../adapters/qlik-cloud/qlik-operations.ts";
import { creatableDatacenters, qlikSpec, specialTierPerMinute, specOperation, tierOf } from "../../adapters/qlik-cloud/spec/read-qlik-spec.ts";
import { gateLimits } from "../../src/create-adapters.ts";
import { readConfig } from "../../src/config.ts";
import { cloudRegions } from "../../adapters/qlik-cloud/regions.ts";
import { SpecChecker } from "../../adapters/qlik-cloud/emulator/check-against-spec.ts";
import { emulatorLicenseKey, emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { onboardRequest, runSteps, startCloudFixture } from "../support/cloud-fixture.ts";
import { createSharedTenantAdapter } from "../../adapters/qlik-cloud/shared-tenant/shared-tenant-adapter.ts";
import { runAll, SHARED_HOST, signIn, sharedEnv, sharedRequest } from "../support/shared-fixture.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const adapterOperations = (Object.keys(qlikOperations) as QlikOperationId[]).filter((id) => qlikOperations[id].usedBy === "adapter");

describe("Qlik's specification, vendored", () => {
  it("holds every operation of the table, each with a tier the rate gate models, and names its source", () => {
    const source = qlikSpec()["x-qoem-source"];
    expect(source.file).toBe("qlik-cloud-rest.json");
    expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
    const missing = (Object.keys(qlikOperations) as QlikOperationId[]).filter((id) => !specOperation(qlikOperations[id].method, qlikOperations[id].path));
    expect(missing).toEqual([]);
    for (const id of Object.keys(qlikOperations) as QlikOperationId[]) expect(["tier1", "tier2", "special"]).toContain(tierOf(id));
    expect(tierOf("createTenant")).toBe("tier2");
    // POST /v1/reloads has a limit of its own (50/min), not tier 2's budget; the gate keeps to the specification's figure.
    expect(specOperation("POST", "/v1/reloads")?.["x-qlik-tier"]).toEqual({ tier: "special", limit: 50 });
    expect(tierOf("queueReload")).toBe("special");
    expect(specialTierPerMinute()).toBe(50);
    expect(gateLimits(readConfig({})).special).toEqual({ max: 50, windowMs: 60_000 });
    expect(tierOf("getTenant")).toBe("tier1");
    expect(tierOf("requestOAuthToken")).toBe("tier2");
    for (const op of Object.values(offSpecOperations)) expect(qlikSpec().paths[op.path.replace(/^\/api/, "")]).toBeUndefined();
  });

  it("compiles a check for every operation's request and every documented answer", () => {
    const checker = new SpecChecker();
    for (const id of Object.keys(qlikOperations) as QlikOperationId[]) {
      expect(() => checker.checkRequest(id, { pathParams: [], query: new URLSearchParams(), headers: {}, body: undefined, isJson: false }), id).not.toThrow();
      for (const status of [200, 201, 400, 404]) expect(() => checker.checkAnswer(id, status, {}), `${id} ${status}`).not.toThrow();
    }
  });

  it("sees the adapters send only operations of the table, and every one of them, through onboard, rerun, health, a rollout, offboard and reactivate", async () => {
    fixture = await startCloudFixture();
    const first = await runSteps(fixture.adapter, onboardRequest("acme"));
    await runSteps(fixture.adapter, onboardRequest("acme"), { ...first.facts });
    const env = { customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: first.facts.tenantId!, hostname: first.facts.hostname! };
    await fixture.adapter.health(env);
    // A sweep's health, which takes the status from the organisation listing and only checks the host answers.
    await fixture.adapter.health({ ...env, knownStatus: "active" });
    // A rollout's calls: the version, the published app, keep, stage, republish, reload and check, restore, tidy.
    const apps = fixture.adapter.rollout!;
    const version = await apps.templateVersion("Sales Overview", env.target);
    const published = (await apps.findPublished(env, "Sales Overview"))!;
    const kept = await apps.keep(env, "Sales Overview", published);
    const staged = await apps.stage(env, version, published);
    await apps.replace(env, staged.appId, published);
    expect(await apps.reloadAndCheck(env, published.appId, { vCustomerId: "acme" })).toMatchObject({ ok: true });
    await apps.restore(env, kept.appId, published);
    await apps.finish(env, { stagedAppId: staged.appId, keptAppId: kept.appId }, "rolled-back");
    await fixture.adapter.offboard(env, { purgeAfterDays: 30 });
    await fixture.adapter.reactivate(env);
    // The shared-tenant adapter on the same emulator: its settings, users and removals are operations of the table too.
    const shared = createSharedTenantAdapter(fixture.adapter.context, { shared: { hostname: SHARED_HOST, region: "eu", ...fixture.emulator.regionClients.eu!, templates: [], features: [], dummyEmailDomain: "users.invalid" } });
    await runAll(shared, sharedRequest("trial-co"));
    await shared.health(sharedEnv("trial-co"));
    // A person of the customer, whom its offboard removes.
    await signIn(fixture.emulator, { name: "trial user", email: "t1@users.invalid", groups: ["trial-co-users"] });
    await shared.offboard(sharedEnv("trial-co"), { purgeAfterDays: 30 });
    expect(fixture.emulator.stats.unrouted).toEqual([]);
    const sent = [...fixture.emulator.stats.operations.keys()];
    expect(sent.filter((id) => qlikOperations[id].usedBy !== "adapter")).toEqual([]);
    expect(adapterOperations.filter((id) => !sent.includes(id))).toEqual([]);
    // Where Qlik documents each: a tenant is read and patched on its own host, never on the register host.
    const at = fixture.emulator.stats.operationsAt;
    expect([...at.keys()].filter((k) => /^(getTenant|patchTenant)@/.test(k)).sort()).toEqual(["getTenant@tenant", "patchTenant@tenant"]);
    expect([...at.keys()].filter((k) => /^(createTenant|deactivateTenant|reactivateTenant)@/.test(k)).sort()).toEqual(["createTenant@register", "deactivateTenant@register", "reactivateTenant@register"]);
  });
});

describe("the emulator refuses what the specification refuses", () => {
  const call = (method: string, url: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function tokenFor(host: string): Promise<string> {
    const creds = emulatorRegionClient("eu");
    const res = await fetch(`${fixture!.emulator.hostUrl(host)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it("answers 400 in Qlik's error shape for a body, query or header the specification does not allow", async () => {
    fixture = await startCloudFixture();
    const register = fixture.emulator.hostUrl("register.eu.qlikcloud.com");
    const source = fixture.emulator.hostUrl(fixture.emulator.sourceTenantHost);
    const reg = await tokenFor("register.eu.qlikcloud.com");
    const src = await tokenFor(fixture.emulator.sourceTenantHost);
    const refusals = [
      await call("POST", `${register}/api/v1/tenants`, reg, { licenseKey: 42 }),
      await call("POST", `${register}/api/v1/tenants`, reg),
      await call("GET", `${source}/api/v1/spaces?limit=many`, src),
      await call("GET", `${source}/api/v1/reloads`, src),
      await call("POST", `${source}/api/v1/groups`, src, { status: "active" }),
      await call("PUT", `${source}/api/v1/licenses/settings`, src, { autoAssignAnalyzer: "yes" }),
    ];
    for (const res of refusals) {
      expect(res.status, res.url).toBe(400);
      const body = (await res.json()) as { errors: Array<{ code: string; title: string; detail: string }> };
      expect(body.errors[0]).toMatchObject({ code: "HTTP-400", title: "Bad Request", detail: expect.any(String) });
    }
    const created = await call("POST", `${register}/api/v1/tenants`, reg, { licenseKey: emulatorLicenseKey });
    expect(created.status).toBe(201);
  });
});

describe("deactivation as the specification has it", () => {
  it("takes purgeAfterDays from 10 to 90 only, answers a wrong hostname confirmation with 412, and a deactivated host with 401 TENANT_DISABLED", async () => {
    fixture = await startCloudFixture();
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const register = fixture.emulator.hostUrl("register.eu.qlikcloud.com");
    const creds = emulatorRegionClient("eu");
    const tokenRes = await fetch(`${register}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
    const reg = ((await tokenRes.json()) as { access_token: string }).access_token;
    const deactivate = (hostname: string, body: unknown) =>
      fetch(`${register}/api/v1/tenants/${facts.tenantId}/actions/deactivate`, { method: "POST", headers: { authorization: `Bearer ${reg}`, "content-type": "application/json", "qlik-confirm-hostname": hostname }, body: JSON.stringify(body) });
    expect((await deactivate(facts.tenantHost!, { purgeAfterDays: 9 })).status).toBe(400);
    expect((await deactivate(facts.tenantHost!, { purgeAfterDays: 91 })).status).toBe(400);
    expect((await deactivate("someone-else.eu.qlikcloud.com", { purgeAfterDays: 30 })).status).toBe(412);
    expect(fixture.emulator.state.tenantById(facts.tenantId!)?.status).toBe("active");

    const env = { customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: facts.tenantId!, hostname: facts.hostname! };
    expect(await fixture.adapter.offboard(env, { purgeAfterDays: 10 })).toMatchObject({ status: "disabled" });
    const hostToken = await fetch(`${fixture.emulator.hostUrl(facts.hostname!)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
    const t = ((await hostToken.json()) as { access_token: string }).access_token;
    const refused = await fetch(`${fixture.emulator.hostUrl(facts.hostname!)}/api/v1/spaces`, { headers: { authorization: `Bearer ${t}` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ errors: [{ code: "TENANT_DISABLED" }] });
  });

  it("tells a deactivated tenant from refused credentials, without fetching a new token for it", async () => {
    fixture = await startCloudFixture();
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    fixture.emulator.state.tenantById(facts.tenantId!)!.status = "disabled";
    const tokens = fixture.adapter.context.tokens.fetched;
    const settings = fixture.adapter.onboardSteps(onboardRequest("acme")).find((s) => s.id === "settings")!;
    const error = await settings.run({ request: onboardRequest("acme"), facts }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "permanent", retryable: false });
    expect((error as Error).message).toMatch(/tenant is deactivated/);
    expect((error as Error).message).not.toMatch(/refused the credentials/);
    expect(fixture.adapter.context.tokens.fetched).toBe(tokens);
  });
});

describe("tenant creation in the datacenters the specification lists", () => {
  it("offers exactly those regions as creatable", () => {
    const creatable = cloudRegions.filter((r) => r.creatable).map((r) => r.datacenter).sort();
    expect(creatable).toEqual([...creatableDatacenters()].sort());
    expect(cloudRegions.filter((r) => !r.creatable).map((r) => r.code)).toEqual(["in", "fr", "il", "ae"]);
  });

  it("refuses a tenant in a datacenter the specification does not list, and creates one in a listed one", async () => {
    fixture = await startCloudFixture();
    for (const [region, datacenter] of [["fr", "eu-west-3"], ["in", undefined], ["eu", "me-central-1"]] as const) {
      const host = fixture.emulator.hostUrl(`register.${region}.qlikcloud.com`);
      const creds = emulatorRegionClient(region);
      const tokenRes = await fetch(`${host}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
      const token = ((await tokenRes.json()) as { access_token: string }).access_token;
      const res = await fetch(`${host}/api/v1/tenants`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ licenseKey: emulatorLicenseKey, ...(datacenter ? { datacenter } : {}) }) });
      expect(res.status, region).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ code: "TENANTS-4" }] });
    }
    const { outcomes } = await runSteps(fixture.adapter, onboardRequest("acme", "sg"));
    expect(outcomes[1]).toEqual({ id: "tenant", outcome: "created" });
    expect([...fixture.emulator.state.tenants.values()].find((t) => t.name === "acme")).toMatchObject({ region: "sg", datacenter: "ap-southeast-2" });
  });
});
