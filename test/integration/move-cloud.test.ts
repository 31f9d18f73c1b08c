// Moving a Qlik Cloud customer from one region to another: plan, approval, move, health, move back, second approval, grace period, refusals.
import { afterEach, describe, expect, it } from "vitest";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { onboardCustomer } from "../support/health-fixture.ts";
import { requestIdOf, sayCommand } from "../support/say-command.ts";
import { appsOf, approvedMove, removalRequest, tenantsIn } from "../support/move-fixture.ts";

let qoem: TestQoem | undefined;
afterEach(async () => {
  await qoem?.stop();
  qoem = undefined;
});

/** Gives the customer's production apps distinct contents, so sizes can be told apart after the move. */
function customiseApps(q: TestQoem, customer: string, region: string): string[] {
  const tenant = tenantsIn(q, customer, region)[0]!;
  const data = q.cloudEmulator!.state.dataOf(tenant.id);
  const production = [...data.spaces.values()].find((s) => s.name === `${customer}-production`)!;
  let i = 0;
  for (const app of data.apps.values()) if (app.spaceId === production.id) app.content = Buffer.from(`${app.name} of ${customer}\n${"y".repeat(2000 + 500 * i++)}`);
  return appsOf(q, tenant.id, `${customer}-production`);
}

describe("move between Qlik Cloud regions", () => {
  it("plans, asks an approver, moves the apps with names and sizes, checks both sides, and goes back to the untouched source", async () => {
    qoem = await startTestQoem("move-cloud");
    await onboardCustomer(qoem, "acme", "eu");
    const source = tenantsIn(qoem, "acme", "eu")[0]!;
    const sourceApps = customiseApps(qoem, "acme", "eu");
    expect(sourceApps).toHaveLength(3);

    const plan = await sayCommand(qoem, "move acme us --dry-run");
    expect(plan.outcome?.state).toBe("completed");
    const steps = plan.outcome!.progress!.steps;
    expect(steps.find((s) => s.id === "tenant")).toMatchObject({ state: "planned", outcome: "create" });
    expect(steps.filter((s) => s.id.startsWith("app:")).map((s) => s.title)).toEqual(["Move app Customer Insights", "Move app Operations Monitor", "Move app Sales Overview"]);
    expect(steps.find((s) => s.id === "app:Sales Overview")!.detail).toMatch(/MB, from Qlik Cloud region eu to acme-staging → acme-production on us/);
    expect(steps.find((s) => s.id === "remove-source")!.detail).toMatch(/7 days .* tenant .* deactivated/);
    const order = steps.map((s) => s.id);
    expect(order.indexOf("spaces")).toBeLessThan(order.indexOf("app:Customer Insights"));
    expect(order.indexOf("app:Sales Overview")).toBeLessThan(order.indexOf("templates"));
    expect(plan.outcome!.progress!.summary).toMatch(/3 apps would move from Qlik Cloud region eu to Qlik Cloud region us; nothing was changed/);
    expect(tenantsIn(qoem, "acme", "us")).toHaveLength(0);

    expect((await sayCommand(qoem, "move acme eu")).text).toMatch(/already lives on eu/);
    const asked = await sayCommand(qoem, "move acme us", "U1");
    expect(asked.answer.kind).toBe("approval");
    expect((await qoem.registry.get("acme"))!.status).toBe("move-pending");
    expect((await sayCommand(qoem, "move acme us", "U3")).text).toMatch(/a move is already running|already waiting for approval/);
    expect((await sayCommand(qoem, `approve ${requestIdOf(asked)}`, "U1")).text).toMatch(/someone else must approve/);
    const approved = await sayCommand(qoem, `approve ${requestIdOf(asked)}`, "U2");
    expect(approved.outcome?.state).toBe("completed");
    expect(approved.outcome!.progress!.summary).toMatch(/acme moved from Qlik Cloud region eu to Qlik Cloud region us: 3 apps moved/);

    const record = (await qoem.registry.get("acme"))!;
    expect(record).toMatchObject({ status: "moving", kind: "cloud", region: "us" });
    const target = tenantsIn(qoem, "acme", "us");
    expect(target).toHaveLength(1);
    expect(record.tenantId).toBe(target[0]!.id);
    // Names and sizes survive: production on the target holds exactly the source's apps.
    expect(appsOf(qoem, target[0]!.id, "acme-production")).toEqual(sourceApps);
    // The source is untouched while the move waits for its removal.
    expect(source.status).toBe("active");
    expect(appsOf(qoem, source.id, "acme-production")).toEqual(sourceApps);
    expect((await sayCommand(qoem, "move acme de")).text).toMatch(/acme is moving/);
    // The onboard checkpoint follows the customer to the target.
    expect((await qoem.dispatch.checkpoints.load("acme", "us")).facts.tenantId).toBe(target[0]!.id);

    const status = (await sayCommand(qoem, "status acme")).text;
    expect(status).toMatch(/move: Qlik Cloud region eu → Qlik Cloud region us \(moved; the source waits for its removal\)/);
    expect(status).toMatch(/approved by U2/);
    expect(status).toMatch(/the source is removed on .* or sooner once request r[a-z0-9]{10} is approved/);
    const health = await sayCommand(qoem, "health acme");
    const reasons = (health.outcome!.result as { reasons: string[] }).reasons;
    expect(reasons.some((r) => r.startsWith("source (eu)"))).toBe(true);
    expect(reasons.some((r) => r.startsWith("target (us)"))).toBe(true);

    const back = await sayCommand(qoem, "move acme back");
    expect(back.outcome?.state).toBe("completed");
    const after = (await qoem.registry.get("acme"))!;
    expect(after).toMatchObject({ status: "active", kind: "cloud", region: "eu", tenantId: source.id });
    expect(await qoem.redis.zscore(qoem.keys.customersAt("eu"), "acme")).toBe("0");
    expect(await qoem.redis.zscore(qoem.keys.customersAt("us"), "acme")).toBeNull();
    expect(source.status).toBe("active");
    expect(appsOf(qoem, source.id, "acme-production")).toEqual(sourceApps);
    expect(target[0]!.status).toBe("disabled");
    expect((await qoem.dispatch.checkpoints.load("acme", "eu")).facts.tenantId).toBe(source.id);
    // Gone back: the second approval is closed and the scheduled removal is gone.
    expect(await qoem.dispatch.approvals.pendingFor("acme")).toBeUndefined();
    expect(await qoem.operations.getJob(`move-removal.acme.${requestIdOf(asked)}`)).toBeUndefined();
    const audit = (await sayCommand(qoem, "audit acme")).text;
    expect(audit).toMatch(/move → moved .*from Qlik Cloud region eu to Qlik Cloud region us; apps moved: Customer Insights/);
    expect(audit).toMatch(/move back → moved-back/);
  }, 120_000);

  it("removes the source on the second approval: the tenant deactivated with its purge date, the customer active on the target", async () => {
    qoem = await startTestQoem("move-removal");
    await onboardCustomer(qoem, "hooli", "eu");
    const source = tenantsIn(qoem, "hooli", "eu")[0]!;
    expect((await approvedMove(qoem, "hooli", "de")).outcome?.state).toBe("completed");
    const request = await removalRequest(qoem, "hooli");
    expect((await sayCommand(qoem, `approve ${request}`, "U1")).text).toMatch(/someone else must approve/);
    // Qlik refuses the deactivation once: the source stays, the customer stays moving with the reason, and the removal can be run again.
    qoem.cloudEmulator!.faults.set([{ method: "POST", path: "/actions/deactivate", action: "status", status: 400, times: 1 }]);
    const failed = await sayCommand(qoem, `approve ${request}`, "U2");
    expect(failed.outcome?.state).toBe("failed");
    expect(source.status).toBe("active");
    expect(await qoem.registry.get("hooli")).toMatchObject({ status: "moving", region: "de", lastError: expect.stringMatching(/^move-removal failed/) });
    expect((await sayCommand(qoem, "move hooli de --dry-run")).text).toMatch(/a move is already running/);
    const removed = await sayCommand(qoem, "move hooli de", "U3");
    expect(removed.outcome?.state).toBe("completed");
    expect(removed.outcome!.progress!.summary).toMatch(/hooli's source \(Qlik Cloud region eu\) is removed: tenant .* deactivated; purge after 30 days; purge on \d{4}-\d{2}-\d{2}/);
    expect(source.status).toBe("disabled");
    expect(source.estimatedPurgeDate).toBeDefined();
    expect(await qoem.registry.get("hooli")).toMatchObject({ status: "active", region: "de" });
    expect((await sayCommand(qoem, "move hooli back")).text).toMatch(/only a moving customer/);
    // An onboard on the target afterwards (other options) adopts what the move built: still one tenant there.
    expect((await sayCommand(qoem, 'onboard hooli de --template "Sales Overview"')).outcome?.state).toBe("completed");
    expect(tenantsIn(qoem, "hooli", "de")).toHaveLength(1);
    const status = (await sayCommand(qoem, "status hooli")).text;
    expect(status).toMatch(/done; the source is removed/);
    expect(status).toMatch(/source removal \(approved by U3\): .*purge on/);
    expect((await sayCommand(qoem, "audit hooli")).text).toMatch(/move source removal → disabled .*approved by U3/);
  }, 120_000);

  it("removes the source by itself once the grace period is over", async () => {
    qoem = await startTestQoem("move-grace", { QOEM_MOVE_GRACE_DAYS: "0" });
    await onboardCustomer(qoem, "umbrella", "eu");
    const source = tenantsIn(qoem, "umbrella", "eu")[0]!;
    expect((await approvedMove(qoem, "umbrella", "uk")).outcome?.state).toBe("completed");
    await expect.poll(async () => (await qoem!.registry.get("umbrella"))?.status, { timeout: 30_000 }).toBe("active");
    expect(source.status).toBe("disabled");
    expect((await qoem.dispatch.audit.read("umbrella")).find((e) => e.action === "move source removal")).toMatchObject({ user: "qoem", detail: expect.stringMatching(/^after the grace period/) });
  }, 120_000);

  it("refuses an app the target cannot take, or two apps of one name, before anything is created", async () => {
    qoem = await startTestQoem("move-refusals");
    await onboardCustomer(qoem, "initech", "eu");
    const tenant = tenantsIn(qoem, "initech", "eu")[0]!;
    const data = qoem.cloudEmulator!.state.dataOf(tenant.id);
    const production = [...data.spaces.values()].find((s) => s.name === "initech-production")!;
    data.addApp("Sales Overview", production.id, Buffer.from("a second app of that name"), { published: true });
    const plan = await sayCommand(qoem, "move initech us --dry-run");
    expect(plan.outcome!.progress!.summary).toMatch(/The move would be refused: 2 apps are named 'Sales Overview': the target finds each moved app by its name/);

    qoem.adapters.cloud.apps!.maxAppBytes = 1000; // a tenant that takes apps up to 1,000 bytes only
    for (const a of data.apps.values()) if (a.name === "Sales Overview" && a.content.length < 100) data.apps.delete(a.id);
    const moved = await approvedMove(qoem, "initech", "us");
    expect(moved.outcome?.state).toBe("failed");
    expect(moved.outcome?.error ?? moved.outcome?.progress?.note).toMatch(/app 'Customer Insights' is 0\.00\d MB, more than the 0\.001 MB an app may be on Qlik Cloud region us/);
    expect(tenantsIn(qoem, "initech", "us")).toHaveLength(0);
    expect(await qoem.registry.get("initech")).toMatchObject({ status: "move-failed", region: "eu", tenantId: tenant.id });
    expect((await sayCommand(qoem, "move initech de")).text).toMatch(/resume it with \/qoem move initech us/);
    const back = await sayCommand(qoem, "move initech back");
    expect(back.outcome?.state).toBe("completed");
    expect(await qoem.registry.get("initech")).toMatchObject({ status: "active", region: "eu", tenantId: tenant.id });
  }, 120_000);
});
