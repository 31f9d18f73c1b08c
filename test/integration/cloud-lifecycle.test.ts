// Health, reactivation, the fleet view and its reconcile, through the queue, against the emulator.
import { afterEach, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import type { FleetView } from "../../src/core/list-fleet.ts";
import type { HealthReport } from "../../adapters/port.ts";

let qoem: TestQoem | undefined;
afterEach(async () => {
  await qoem?.stop();
  qoem = undefined;
});

async function run(q: TestQoem, text: string) {
  const answer = await dispatchCommand({ text, user: "U1", surface: "cli" }, q.dispatch);
  if (answer.kind !== "operation") throw new Error(`${text}: ${JSON.stringify(answer)}`);
  const outcome = await followJob(q.events, q.operations, answer.jobId, () => undefined);
  if (outcome.state !== "completed") throw new Error(`${text}: ${outcome.progress?.note ?? outcome.error}`);
  return outcome.result;
}

describe("Qlik Cloud lifecycle through the queue", () => {
  it("gives a health verdict whose reasons name what is wrong", async () => {
    qoem = await startTestQoem("health");
    await run(qoem, "onboard acme eu");
    expect(await run(qoem, "health acme")).toMatchObject({ customer: "acme", verdict: "green", reasons: [] });
    const emu = qoem.cloudEmulator!;
    const tenant = tenantsNamed(emu, "acme")[0]!;
    const knob = (body: object) => fetch(`${emu.url}/_emulator/tenants/${tenant.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    expect((await knob({ failedReloads: 2, analyzerUsed: 460 })).status).toBe(200);
    const amber = (await run(qoem, "health acme")) as HealthReport;
    expect(amber.verdict).toBe("amber");
    expect(amber.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/2 failed reloads in the last 24 hours/), expect.stringMatching(/analyzer licences 92% used/)]));

    const data = emu.state.dataOf(tenant.id);
    data.idps.clear();
    const published = [...data.apps.values()].find((a) => a.published)!;
    data.apps.delete(published.id);
    const red = (await run(qoem, "health acme")) as HealthReport;
    expect(red.verdict).toBe("red");
    expect(red.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/identity provider .* is missing/), expect.stringMatching(new RegExp(`templates not published .*${published.name}`))]));

    expect((await knob({ unhealthy: true })).status).toBe(200);
    expect(((await run(qoem, "health acme")) as HealthReport).reasons[0]).toMatch(/does not answer/);
  });

  it("reactivates a deactivated tenant before its purge date, and the registry follows", async () => {
    qoem = await startTestQoem("reactivate");
    await run(qoem, "onboard acme eu");
    const record = (await qoem.registry.get("acme"))!;
    const env = { customer: "acme", target: { kind: "cloud" as const, region: "eu" }, tenantId: record.tenantId!, hostname: record.hostname! };
    const off = await qoem.adapters.cloud.offboard(env, { purgeAfterDays: 10 });
    // As an offboard through the queue records it: the purge date is Qlik's deactivate answer, which the tenant's host cannot give later.
    await qoem.registry.update("acme", { status: "deactivated", purgeDate: off.purgeDate! });
    expect(((await run(qoem, "health acme")) as HealthReport).reasons[0]).toMatch(/deactivated, purge on/);
    expect(await run(qoem, "reactivate acme")).toMatchObject({ status: "active" });
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "active" });
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.status).toBe("active");
    const again = await dispatchCommand({ text: "reactivate acme", user: "U1", surface: "cli" }, qoem.dispatch);
    expect(again).toMatchObject({ kind: "error", error: { reason: expect.stringMatching(/only a deactivated tenant is reactivated/) } });
  });

  it("lists the fleet across more tenants than one page holds, and reconciles", async () => {
    qoem = await startTestQoem("fleet");
    await run(qoem, "onboard acme eu");
    await run(qoem, "onboard globex us");
    const emu = qoem.cloudEmulator!;
    for (let i = 0; i < 240; i++) emu.state.addTenant({ datacenter: i % 2 ? "eu-west-1" : "us-east-1", region: i % 2 ? "eu" : "us", name: `stray-${i}`, createdBy: "test" });
    await qoem.registry.begin("ghost", { kind: "cloud", region: "eu" }, "U1", "active", "test");
    await qoem.registry.update("ghost", { tenantId: "NoSuchTenant0000000000000000000" });

    const fleet = (await run(qoem, "list")) as FleetView;
    expect(fleet.live).toBe(true);
    expect(fleet.rows.map((r) => r.customer).sort()).toEqual(["acme", "ghost", "globex"]);
    expect(fleet.rows.find((r) => r.customer === "acme")).toMatchObject({ tenantStatus: "active", hostname: "acme.eu.qlikcloud.com" });
    expect(fleet.unknownTenants).toHaveLength(240);
    expect(fleet.unknownTenants.some((t) => t.hostname === "oem-source.eu.qlikcloud.com")).toBe(false);
    expect(fleet.goneTenants).toEqual([{ customer: "ghost", tenantId: "NoSuchTenant0000000000000000000" }]);

    const eu = (await run(qoem, "list --region eu")) as FleetView;
    expect(eu.rows.map((r) => r.customer).sort()).toEqual(["acme", "ghost"]);
    expect(eu.unknownTenants).toHaveLength(120);
    const orgPages = [...emu.stats.byRoute.entries()].find(([k]) => k.includes("core"))?.[1] ?? 0;
    expect(orgPages).toBeGreaterThanOrEqual(6);
  });

  it("completes a 429 storm with no job failed", async () => {
    qoem = await startTestQoem("storm", {}, { worker: { concurrency: 20, lockRetryMs: 100 } });
    const emu = qoem.cloudEmulator!;
    emu.limiter.limits = { tier1: { max: 40, windowMs: 1000 }, tier2: { max: 6, windowMs: 1000 } };
    const customers = Array.from({ length: 12 }, (_, i) => `storm-${i}`);
    const answers = await Promise.all(customers.map((c) => dispatchCommand({ text: `onboard ${c} eu`, user: "U1", surface: "cli" }, qoem!.dispatch)));
    const outcomes = await Promise.all(answers.map((a) => (a.kind === "operation" ? followJob(qoem!.events, qoem!.operations, a.jobId, () => undefined) : Promise.reject(new Error("not queued")))));
    expect(outcomes.map((o) => `${o.state} ${o.error ?? ""}`.trim())).toEqual(customers.map(() => "completed"));
    expect(emu.limiter.counted429).toBeGreaterThan(0);
    expect((await qoem.operations.getJobCounts("failed")).failed).toBe(0);
    for (const c of customers) expect(tenantsNamed(emu, c)).toHaveLength(1);
    // Isolation: every customer has its own tenant, and the registry agrees with Qlik.
    const records = await qoem.registry.list();
    expect(new Set(records.map((r) => r.tenantId)).size).toBe(customers.length);
    for (const r of records) expect(emu.state.tenantById(r.tenantId!)!.hostnames[1]).toBe(`${r.customer}.eu.qlikcloud.com`);
  });
});
