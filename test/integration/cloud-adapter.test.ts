// The cloud adapter on @qlik/api against the emulator over real sockets: tenant steps, idempotence, errors.
import { afterEach, describe, expect, it } from "vitest";
import { expectedContents, onboardRequest, runSteps, startCloudFixture, tenantContents, tenantsNamed } from "../support/cloud-fixture.ts";
import { QoemError } from "../../adapters/port.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("Qlik Cloud adapter: tenant steps", () => {
  it("onboards a tenant a customer can use: every step, in order", async () => {
    fixture = await startCloudFixture();
    const { facts, outcomes } = await runSteps(fixture.adapter, onboardRequest("acme", "eu"));
    expect(outcomes).toEqual([
      { id: "template-check", outcome: "unchanged" },
      { id: "tenant", outcome: "created" },
      { id: "hostname", outcome: "updated" },
      { id: "settings", outcome: "updated" },
      { id: "idp", outcome: "created" },
      { id: "spaces", outcome: "created" },
      { id: "templates", outcome: "created" },
      { id: "branding", outcome: "created" },
      { id: "monitoring", outcome: "created" },
    ]);
    const [tenant] = tenantsNamed(fixture.emulator, "acme");
    expect(tenant).toMatchObject({ id: facts.tenantId, region: "eu", datacenter: "eu-west-1" });
    expect(tenant!.hostnames).toEqual([facts.tenantHost, "acme.eu.qlikcloud.com"]);
    expect(tenantContents(fixture.emulator, "acme")).toEqual(expectedContents("acme"));
    const data = fixture.emulator.state.dataOf(tenant!.id);
    const idp = [...data.idps.values()][0]!;
    expect(idp).toMatchObject({ protocol: "jwtAuth", provider: "external", tenantIds: [tenant!.id], options: { issuer: "https://oem.example.com/qoem-emulated" } });
    const published = [...data.apps.values()].filter((a) => a.published);
    for (const app of published) expect(data.apps.get(app.originAppId!)?.name).toBe(app.name);
    expect([...data.webhooks.values()][0]).toMatchObject({ eventTypes: ["com.qlik.v1.app.reload.finished"], filter: 'data.status eq "error"' });
  });

  it("reruns without duplicating anything: adopts what exists and republishes the templates", async () => {
    fixture = await startCloudFixture();
    const first = await runSteps(fixture.adapter, onboardRequest("acme"));
    const withFacts = await runSteps(fixture.adapter, onboardRequest("acme"), { ...first.facts });
    expect(withFacts.outcomes.map((o) => o.outcome)).toEqual(["unchanged", "unchanged", "unchanged", "unchanged", "adopted", "unchanged", "updated", "unchanged", "adopted"]);
    const withoutFacts = await runSteps(fixture.adapter, onboardRequest("acme"));
    expect(withoutFacts.outcomes[1]).toEqual({ id: "tenant", outcome: "adopted" });
    expect(tenantContents(fixture.emulator, "acme")).toEqual(expectedContents("acme"));
  });

  it("keeps customers apart: same name in another region is another tenant; the alias is per region", async () => {
    fixture = await startCloudFixture();
    await runSteps(fixture.adapter, onboardRequest("acme", "eu"));
    await runSteps(fixture.adapter, onboardRequest("globex", "eu"));
    expect(tenantsNamed(fixture.emulator, "acme")).toHaveLength(1);
    expect(tenantsNamed(fixture.emulator, "globex")[0]!.hostnames[1]).toBe("globex.eu.qlikcloud.com");
  });

  const faultPoints: Array<[string, string, string]> = [
    ["tenant", "POST", "/\\/api\\/v1\\/tenants$/"],
    ["hostname", "GET", "/api\\/v1\\/tenants\\/[A-Za-z0-9]{32}$/"],
    ["settings", "PUT", "/api/v1/licenses/settings"],
    ["idp", "POST", "/api/v1/identity-providers"],
    ["spaces", "POST", "/api/v1/spaces"],
    ["templates", "POST", "/api/v1/apps/import"],
    ["branding", "POST", "/api/v1/brands"],
    ["monitoring", "POST", "/api/v1/webhooks"],
  ];

  it.each(["status", "drop-after"] as const)("resumes after a fault (%s) at each step in turn and ends with exactly one of everything", async (action) => {
    fixture = await startCloudFixture();
    for (const [step, method, path] of faultPoints) {
      if (action === "drop-after" && method === "GET") continue;
      const customer = `resume-${step}`;
      fixture.emulator.faults.set([{ method, path, action, ...(action === "status" ? { status: 503 } : {}), times: 1 }]);
      const facts = {};
      const before = fixture.emulator.state.tenants.size;
      await expect(runSteps(fixture.adapter, onboardRequest(customer), facts), step).rejects.toMatchObject({ code: "transient", retryable: true });
      expect(fixture.emulator.faults.list(), `${step}: the fault fired`).toEqual([]);
      await runSteps(fixture.adapter, onboardRequest(customer), facts);
      expect(tenantContents(fixture.emulator, customer), step).toEqual(expectedContents(customer));
      expect(fixture.emulator.state.tenants.size - before, `${step}: tenants created`).toBe(1);
    }
  });

  it("caches tokens per host, and fetches a new one after Qlik drops it", async () => {
    fixture = await startCloudFixture();
    await runSteps(fixture.adapter, onboardRequest("acme"));
    const fetched = fixture.adapter.context.tokens.fetched;
    await runSteps(fixture.adapter, onboardRequest("acme"));
    expect(fixture.adapter.context.tokens.fetched).toBe(fetched);
    fixture.emulator.state.revokeTokens();
    await runSteps(fixture.adapter, onboardRequest("acme"));
    expect(fixture.adapter.context.tokens.fetched).toBeGreaterThan(fetched);
  });

  it("turns a 429 into a rate_limited error carrying Retry-After, and a 400 into a permanent one", async () => {
    fixture = await startCloudFixture();
    fixture.emulator.faults.set([{ method: "POST", path: "/api/v1/tenants", action: "rate-limit", retryAfterSeconds: 7, times: 1 }]);
    const error = await runSteps(fixture.adapter, onboardRequest("acme")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QoemError);
    expect(error).toMatchObject({ code: "rate_limited", retryAfterMs: 7000 });
    fixture.emulator.faults.set([{ method: "PATCH", action: "status", status: 400, times: 1 }]);
    await expect(runSteps(fixture.adapter, onboardRequest("bolt"))).rejects.toMatchObject({ code: "permanent", retryable: false });
  });

  it("refuses a hostname alias that another tenant holds", async () => {
    fixture = await startCloudFixture();
    await runSteps(fixture.adapter, onboardRequest("acme"));
    const other = fixture.emulator.state.addTenant({ datacenter: "eu-west-1", region: "eu", name: "squatter", createdBy: "test" });
    const facts = { tenantId: other.id, tenantHost: other.hostnames[0]! };
    const hostnameStep = fixture.adapter.onboardSteps(onboardRequest("acme")).find((s) => s.id === "hostname")!;
    await expect(hostnameStep.run({ request: onboardRequest("acme"), facts })).rejects.toThrow(/already in use/);
  });

  it("checks requested features against the licence before creating anything", async () => {
    fixture = await startCloudFixture();
    const licensed = await runSteps(fixture.adapter, { ...onboardRequest("acme"), features: ["alerting"] });
    expect(licensed.outcomes[1]).toEqual({ id: "features", outcome: "unchanged" });
    const before = fixture.emulator.state.tenants.size;
    // No parameter Qlik documents carries direct query: qoem cannot tell, and says so rather than "lacks".
    const unknowable = runSteps(fixture.adapter, { ...onboardRequest("bolt"), features: ["direct-query", "reporting"] });
    await expect(unknowable).rejects.toThrow(/cannot verify direct-query, reporting from the licence/);
    await expect(unknowable).rejects.not.toThrow(/lacks/);
    // The parameter set of alerting (qlikAlerting, from Qlik's LicenseOverview) past its validity: the licence lacks it.
    const source = fixture.emulator.state.dataOf(fixture.emulator.state.tenantByHost(fixture.emulator.sourceTenantHost)!.id);
    source.licenseParameters = [{ name: "qlikAlerting", valid: "2020-01-01/2021-12-31", values: { saas_alerting: "FULL" } }];
    await expect(runSteps(fixture.adapter, { ...onboardRequest("colt"), features: ["alerting"] })).rejects.toThrow(/licence lacks alerting \(no current parameter qlikAlerting\)/);
    expect(fixture.emulator.state.tenants.size).toBe(before);
  });

  it("plans with reads only", async () => {
    fixture = await startCloudFixture();
    const before = fixture.emulator.state.tenants.size;
    const steps = fixture.adapter.onboardSteps(onboardRequest("acme"));
    const plan = [];
    for (const s of steps) plan.push(await s.plan({ request: onboardRequest("acme"), facts: {} }));
    expect(plan.map((p) => p.action)).toEqual(["none", "create", "update", "update", "create", "create", "create", "create", "create"]);
    expect(fixture.emulator.state.tenants.size).toBe(before);
  });

  it("deactivates with a purge date and the hostname confirmation, then reactivates", async () => {
    fixture = await startCloudFixture();
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const env = { customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: facts.tenantId!, hostname: facts.hostname! };
    const off = await fixture.adapter.offboard(env, { purgeAfterDays: 15 });
    expect(off.status).toBe("disabled");
    expect(Date.parse(off.purgeDate!) - Date.now()).toBeGreaterThan(14 * 86_400_000);
    expect((await fixture.adapter.offboard(env, { purgeAfterDays: 15 })).detail).toMatch(/already/);
    expect((await fixture.adapter.health(env)).verdict).toBe("red");
    expect((await fixture.adapter.reactivate(env)).status).toBe("active");
    expect(await fixture.adapter.health(env)).toMatchObject({ verdict: "green", reasons: [] });
  });
});
