// A tenant is read where Qlik documents it (its own host), and a deactivated host's 401 TENANT_DISABLED reads as "deactivated".
import { afterEach, describe, expect, it } from "vitest";
import { onboardRequest, runSteps, startCloudFixture, tenantsNamed } from "../support/cloud-fixture.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const envOf = (facts: Record<string, string>) => ({ customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: facts.tenantId!, hostname: facts.hostname!, tenantHost: facts.tenantHost! });
const registerReads = () => [...fixture!.emulator.stats.operationsAt.entries()].filter(([k]) => /^(getTenant|patchTenant)@register$/.test(k));

describe("reading a tenant on its own host, without an organisation client", () => {
  it("offboards, retries the offboard, checks health and reactivates from what the tenant's host says", async () => {
    fixture = await startCloudFixture({}, {}, { organization: false });
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const env = envOf(facts);
    expect(await fixture.adapter.offboard(env, { purgeAfterDays: 10 })).toMatchObject({ status: "disabled" });
    // The retried offboard meets the host's 401 TENANT_DISABLED: already deactivated, not refused credentials.
    const again = await fixture.adapter.offboard(env, { purgeAfterDays: 10 });
    expect(again).toMatchObject({ status: "disabled", detail: expect.stringMatching(/already deactivated/) });
    const health = await fixture.adapter.health(env);
    expect(health.verdict).toBe("red");
    expect(health.reasons).toEqual(["tenant is deactivated"]);
    expect(await fixture.adapter.reactivate(env)).toMatchObject({ status: "active" });
    expect(await fixture.adapter.reactivate(env)).toMatchObject({ status: "active", detail: expect.stringMatching(/already active/) });
    expect(await fixture.adapter.health(env)).toMatchObject({ verdict: "green", reasons: [] });
    expect(registerReads()).toEqual([]);
  });

  it("re-onboards a customer whose tenant was deactivated: reactivates and adopts it, no second tenant", async () => {
    fixture = await startCloudFixture({}, {}, { organization: false });
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    await fixture.adapter.offboard(envOf(facts), { purgeAfterDays: 30 });
    const rerun = await runSteps(fixture.adapter, onboardRequest("acme"), { tenantId: facts.tenantId!, tenantHost: facts.tenantHost! });
    expect(rerun.outcomes[1]).toEqual({ id: "tenant", outcome: "updated" });
    expect(rerun.facts.tenantId).toBe(facts.tenantId);
    expect(tenantsNamed(fixture.emulator, "acme")).toHaveLength(1);
    expect(tenantsNamed(fixture.emulator, "acme")[0]!.status).toBe("active");
    expect(registerReads()).toEqual([]);
  });

  it("takes a purged tenant, whose names no longer answer, as gone", async () => {
    fixture = await startCloudFixture({}, {}, { organization: false });
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const env = envOf(facts);
    await fixture.adapter.offboard(env, { purgeAfterDays: 10 });
    fixture.emulator.state.tenantById(facts.tenantId!)!.estimatedPurgeDate = new Date(Date.now() - 1_000).toISOString();
    expect(await fixture.adapter.offboard(env, { purgeAfterDays: 10 })).toMatchObject({ status: "deleted" });
    await expect(fixture.adapter.reactivate(env)).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/purged/) });
    expect((await fixture.adapter.health(env)).reasons).toEqual([`tenant ${facts.tenantId} no longer exists`]);
  });
});

describe("reading a tenant with an organisation client", () => {
  it("takes the status the tenant's host cannot give from the organisation API", async () => {
    fixture = await startCloudFixture();
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const env = envOf(facts);
    const tenant = fixture.emulator.state.tenantById(facts.tenantId!)!;
    tenant.status = "user-access-disabled";
    expect((await fixture.adapter.health(env)).reasons).toEqual(["user access to the tenant is disabled"]);
    tenant.status = "active";
    await fixture.adapter.offboard(env, { purgeAfterDays: 10 });
    expect((await fixture.adapter.offboard(env, { purgeAfterDays: 10 })).detail).toMatch(/already deactivated/);
    tenant.estimatedPurgeDate = new Date(Date.now() - 1_000).toISOString();
    expect((await fixture.adapter.health(env)).reasons).toEqual(["tenant was purged"]);
    await expect(fixture.adapter.reactivate(env)).rejects.toMatchObject({ code: "not_found" });
    expect(fixture.emulator.stats.operationsAt.get("getTenant@tenant")).toBeGreaterThan(0);
    expect(registerReads()).toEqual([]);
  });

  it("follows a tenant whose recorded alias moved, reading it at the name the organisation gives", async () => {
    fixture = await startCloudFixture();
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    fixture.emulator.state.setAlias(fixture.emulator.state.tenantById(facts.tenantId!)!, "acme-new.eu.qlikcloud.com");
    // Only the alias is recorded: its host no longer answers, the organisation API knows where the tenant is now.
    const env = { customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: facts.tenantId!, hostname: facts.hostname! };
    expect(await fixture.adapter.offboard(env, { purgeAfterDays: 10 })).toMatchObject({ status: "disabled" });
    expect(fixture.emulator.state.tenantById(facts.tenantId!)!.status).toBe("disabled");
  });
});
