// The cloud adapter on @qlik/api against the emulator over real sockets: tenant steps, idempotence, errors.
import { afterEach, describe, expect, it } from "vitest";
import { onboardRequest, runSteps, startCloudFixture, tenantsNamed } from "../support/cloud-fixture.ts";
import { QoemError } from "../../adapters/port.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("Qlik Cloud adapter: tenant steps", () => {
  it("creates the tenant in the region, names it and sets the alias", async () => {
    fixture = await startCloudFixture();
    const { facts, outcomes } = await runSteps(fixture.adapter, onboardRequest("acme", "eu"));
    expect(outcomes).toEqual([
      { id: "tenant", outcome: "created" },
      { id: "hostname", outcome: "updated" },
    ]);
    const [tenant] = tenantsNamed(fixture.emulator, "acme");
    expect(tenant).toMatchObject({ id: facts.tenantId, region: "eu", datacenter: "eu-west-1" });
    expect(tenant!.hostnames).toEqual([facts.tenantHost, "acme.eu.qlikcloud.com"]);
    expect(facts.hostname).toBe("acme.eu.qlikcloud.com");
  });

  it("finds the tenant again instead of creating a second one, with or without the recorded id", async () => {
    fixture = await startCloudFixture();
    const first = await runSteps(fixture.adapter, onboardRequest("acme"));
    const withFacts = await runSteps(fixture.adapter, onboardRequest("acme"), { ...first.facts });
    expect(withFacts.outcomes.map((o) => o.outcome)).toEqual(["unchanged", "unchanged"]);
    const withoutFacts = await runSteps(fixture.adapter, onboardRequest("acme"));
    expect(withoutFacts.outcomes.map((o) => o.outcome)).toEqual(["adopted", "unchanged"]);
    expect(tenantsNamed(fixture.emulator, "acme")).toHaveLength(1);
  });

  it("keeps customers apart: same name in another region is another tenant; the alias is per region", async () => {
    fixture = await startCloudFixture();
    await runSteps(fixture.adapter, onboardRequest("acme", "eu"));
    await runSteps(fixture.adapter, onboardRequest("globex", "eu"));
    expect(tenantsNamed(fixture.emulator, "acme")).toHaveLength(1);
    expect(tenantsNamed(fixture.emulator, "globex")[0]!.hostnames[1]).toBe("globex.eu.qlikcloud.com");
  });

  it("resumes after a fault injected at each call in turn and ends with exactly one tenant", async () => {
    const calls = ["POST:/api/v1/tenants$", "PATCH:/api/v1/tenants/", "GET:/api/core/tenants", "GET:/api/v1/licenses/overview"];
    for (const [i, call] of calls.entries()) {
      await fixture?.close();
      fixture = await startCloudFixture();
      const [method, path] = call.split(":") as [string, string];
      const customer = `resume-${i}`;
      fixture.emulator.faults.set([{ method, path: path.endsWith("$") ? `/${path.slice(0, -1).replace(/\//g, "\\/")}$/` : path, action: "status", status: 503, times: 1 }]);
      const facts = {};
      await expect(runSteps(fixture.adapter, onboardRequest(customer), facts), call).rejects.toMatchObject({ code: "transient", retryable: true });
      const resumed = await runSteps(fixture.adapter, onboardRequest(customer), facts);
      expect(resumed.facts.hostname).toBe(`${customer}.eu.qlikcloud.com`);
      expect(tenantsNamed(fixture.emulator, customer)).toHaveLength(1);
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

  it("plans with reads only", async () => {
    fixture = await startCloudFixture();
    const before = fixture.emulator.state.tenants.size;
    const steps = fixture.adapter.onboardSteps(onboardRequest("acme"));
    const plan = [];
    for (const s of steps) plan.push(await s.plan({ request: onboardRequest("acme"), facts: {} }));
    expect(plan.map((p) => p.action)).toEqual(["create", "update"]);
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
