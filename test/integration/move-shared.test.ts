// Growing out of a shared tenant: a customer moved to its own tenant (plan, approval, move, health of both sides, going back, removal of only
// that customer on the second approval or after the grace period, its place freed in the count of 9), the other customer untouched throughout.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { onboardCustomer } from "../support/health-fixture.ts";
import { requestIdOf, sayCommand } from "../support/say-command.ts";
import { appsOf, approvedMove, removalRequest, tenantsIn } from "../support/move-fixture.ts";
import { expectedSharedContents, seenBy, SHARED_HOST, sharedContents, signIn } from "../support/shared-fixture.ts";
import { PRODUCTION_MARK } from "../../adapters/qlik-cloud/shared-tenant/shared-context.ts";
import { renderFleet } from "../../src/chat/render-text.ts";
import { removeMovedSource } from "../../src/core/remove-moved-source.ts";
import { enqueueOperation } from "../../src/queue/enqueue-operation.ts";
import { followJob } from "../../src/queue/follow-job.ts";

let qoem: TestQoem | undefined;
afterEach(async () => {
  await qoem?.stop();
  qoem = undefined;
});

const sharedTenantOf = (q: TestQoem) => q.cloudEmulator!.state.tenantByHost(SHARED_HOST)!;
/** The customer's published apps in the shared tenant, as `name:bytes`. */
const sharedApps = (q: TestQoem, customer: string) => appsOf(q, sharedTenantOf(q).id, `${customer}-production`);

/** Two customers in the shared tenant; alpha's production apps get contents of their own, so sizes can be told apart after the move. */
async function twoCustomers(q: TestQoem): Promise<{ alpha: string[]; beta: string[] }> {
  await onboardCustomer(q, "alpha", "shared");
  await onboardCustomer(q, "beta", "shared");
  const data = q.cloudEmulator!.state.dataOf(sharedTenantOf(q).id);
  const production = [...data.spaces.values()].find((s) => s.name === "alpha-production")!;
  let i = 0;
  for (const app of data.apps.values()) if (app.spaceId === production.id) app.content = Buffer.from(`${app.name} of alpha\n${"s".repeat(1500 + 700 * i++)}`);
  return { alpha: sharedApps(q, "alpha"), beta: sharedApps(q, "beta") };
}

/** The other customer's place, content and apps, exactly as before. */
function betaUntouched(q: TestQoem, betaApps: string[]) {
  expect(sharedContents(q.cloudEmulator!, "beta")).toEqual(expectedSharedContents("beta"));
  expect(sharedApps(q, "beta")).toEqual(betaApps);
}

/** Customers of the shared tenant as qoem would have made them (registry and production space), without running their onboards. */
async function seedCustomers(q: TestQoem, names: string[]) {
  const data = q.cloudEmulator!.state.dataOf(sharedTenantOf(q).id);
  for (const name of names) {
    await q.registry.begin(name, { kind: "shared", tenant: "shared" }, "U1", "active", `j-${name}`);
    data.addSpace(`${name}-production`, "managed").description = `${PRODUCTION_MARK}${name}`;
  }
}

describe("move from a shared tenant to the customer's own tenant", () => {
  it("plans, asks an approver, moves only its apps with names and sizes, checks both sides, and goes back to the untouched shared tenant", async () => {
    qoem = await startTestQoem("move-shared");
    const before = await twoCustomers(qoem);
    expect(before.alpha).toHaveLength(3);
    const bob = await signIn(qoem.cloudEmulator!, { name: "beta user", email: "b1@users.invalid", groups: ["beta-users"] });
    const bobSees = await seenBy(qoem.cloudEmulator!, bob.token);

    const plan = await sayCommand(qoem, "move alpha eu --dry-run");
    expect(plan.outcome?.state).toBe("completed");
    const steps = plan.outcome!.progress!.steps;
    expect(steps.find((s) => s.id === "tenant")).toMatchObject({ state: "planned", outcome: "create" });
    expect(steps.filter((s) => s.id.startsWith("app:")).map((s) => s.detail)).toEqual([
      "0.001 MB, from shared tenant shared to alpha-staging → alpha-production on eu",
      "0.002 MB, from shared tenant shared to alpha-staging → alpha-production on eu",
      "0.003 MB, from shared tenant shared to alpha-staging → alpha-production on eu",
    ]);
    expect(steps.find((s) => s.id === "remove-source")!.detail).toMatch(/7 days .*the customer's spaces, apps, assignments, the users of its group and the group are removed from shared tenant shared; the tenant and its other customers stay/);
    expect(plan.outcome!.progress!.summary).toMatch(/3 apps would move from shared tenant shared to Qlik Cloud region eu; nothing was changed/);
    expect(tenantsIn(qoem, "alpha", "eu")).toHaveLength(0);

    // Into a shared tenant: refused, nothing asked.
    expect((await sayCommand(qoem, "move alpha shared")).text).toMatch(/a customer is not moved into a shared tenant such as 'shared'/);
    expect((await sayCommand(qoem, "move beta shared")).text).toMatch(/a customer is not moved into a shared tenant/);
    const asked = await sayCommand(qoem, "move alpha eu", "U1");
    expect(asked.answer.kind).toBe("approval");
    expect((await qoem.registry.get("alpha"))!.status).toBe("move-pending");
    const approved = await sayCommand(qoem, `approve ${requestIdOf(asked)}`, "U2");
    expect(approved.outcome?.state, approved.text).toBe("completed");
    expect(approved.outcome!.progress!.summary).toMatch(/alpha moved from shared tenant shared to Qlik Cloud region eu: 3 apps moved/);

    const record = (await qoem.registry.get("alpha"))!;
    expect(record).toMatchObject({ status: "moving", kind: "cloud", region: "eu" });
    expect(record.sharedTenant).toBeUndefined();
    const target = tenantsIn(qoem, "alpha", "eu");
    expect(target).toHaveLength(1);
    expect(record.tenantId).toBe(target[0]!.id);
    // Names and sizes survive: the own tenant's production holds exactly the apps alpha had in the shared tenant.
    expect(appsOf(qoem, target[0]!.id, "alpha-production")).toEqual(before.alpha);
    // The shared tenant is untouched: alpha's place, spaces and apps wait for the removal, beta sees what it saw.
    expect(sharedContents(qoem.cloudEmulator!, "alpha")).toEqual(expectedSharedContents("alpha"));
    expect(sharedApps(qoem, "alpha")).toEqual(before.alpha);
    betaUntouched(qoem, before.beta);
    expect(await seenBy(qoem.cloudEmulator!, bob.token)).toEqual(bobSees);
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/shared tenant shared \(2 of 9 places used\)/);

    const status = (await sayCommand(qoem, "status alpha")).text;
    expect(status).toMatch(/move: shared tenant shared → Qlik Cloud region eu \(moved; the source waits for its removal\)/);
    const health = await sayCommand(qoem, "health alpha");
    const reasons = (health.outcome!.result as { reasons: string[] }).reasons;
    expect(reasons).toContain("source (shared): healthy");
    expect(reasons.some((r) => r.startsWith("target (eu)"))).toBe(true);
    expect((health.outcome!.result as { verdict: string }).verdict).not.toBe("red");

    // A job that asks for a move into the shared tenant anyway (chat never queues one) removes nothing.
    const crafted = await enqueueOperation(qoem.operations, qoem.redis, { requestId: "crafted", operation: "move", command: { name: "move", customer: "alpha", to: { kind: "shared", tenant: "shared" }, dryRun: false }, approvalId: requestIdOf(asked), requestedBy: { user: "U1", surface: "cli" }, requestedAt: new Date().toISOString() }, { rerunCompleted: true });
    const refusedJob = await followJob(qoem.events, qoem.operations, crafted.jobId, () => undefined);
    expect(refusedJob.state).toBe("failed");
    expect(refusedJob.error).toMatch(/a customer is not moved into a shared tenant; alpha stays where it is/);
    expect(sharedContents(qoem.cloudEmulator!, "alpha")).toEqual(expectedSharedContents("alpha"));
    expect((await qoem.dispatch.moves!.get("alpha"))!.phase).toBe("moved");

    const back = await sayCommand(qoem, "move alpha back");
    expect(back.outcome?.state).toBe("completed");
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "active", kind: "shared", sharedTenant: "shared" });
    expect((await qoem.registry.get("alpha"))!.region).toBeUndefined();
    expect(await qoem.redis.zscore(qoem.keys.customersAt("shared"), "alpha")).toBe("0");
    expect(await qoem.redis.zscore(qoem.keys.customersAt("eu"), "alpha")).toBeNull();
    expect(sharedContents(qoem.cloudEmulator!, "alpha")).toEqual(expectedSharedContents("alpha"));
    expect(sharedApps(qoem, "alpha")).toEqual(before.alpha);
    expect(target[0]!.status).toBe("disabled");
    betaUntouched(qoem, before.beta);
    expect(await qoem.dispatch.approvals.pendingFor("alpha")).toBeUndefined();
    expect((await sayCommand(qoem, "health alpha")).outcome!.result).toMatchObject({ verdict: "green" });
    expect((await sayCommand(qoem, "status alpha")).text).toMatch(/deployment: shared tenant shared \(2 of 9 places used\)/);
    expect((await sayCommand(qoem, "audit alpha")).text).toMatch(/move → moved .*from shared tenant shared to Qlik Cloud region eu; apps moved: Customer Insights/);
  }, 120_000);

  it("keeps the customer's place until the second approval removes only it from the shared tenant; then the place is free again", async () => {
    qoem = await startTestQoem("move-shared-removal");
    const before = await twoCustomers(qoem);
    await seedCustomers(qoem, ["c3", "c4", "c5", "c6", "c7", "c8", "c9"]);
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/9 of 9 places used/);
    expect((await approvedMove(qoem, "alpha", "de")).outcome?.state).toBe("completed");
    // Moved but not removed: alpha's spaces are still in the shared tenant (move back returns to them), so its place is still taken.
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/9 of 9 places used/);
    expect((await sayCommand(qoem, "onboard tenth shared")).text).toMatch(/shared tenant shared already serves 9 customers: Qlik's OEM guide allows a shared tenant only for fewer than 10 customers/);
    const listed = renderFleet((await sayCommand(qoem, "list")).outcome?.result) ?? "";
    expect(listed).toContain("shared tenant shared: 9 of 9 places used");
    expect(listed).toMatch(/^alpha +own tenant +de +moving/m);

    const request = await removalRequest(qoem, "alpha");
    expect((await sayCommand(qoem, `approve ${request}`, "U1")).text).toMatch(/someone else must approve/);
    const removed = await sayCommand(qoem, `approve ${request}`, "U2");
    expect(removed.outcome?.state, removed.text).toBe("completed");
    expect(removed.outcome!.progress!.summary).toMatch(/alpha's source \(shared tenant shared\) is removed: alpha removed from shared tenant shared: 6 apps, 1 assignments, 2 spaces, 0 users, 1 group; the tenant and its other customers stay/);
    expect(sharedContents(qoem.cloudEmulator!, "alpha")).toEqual({ spaces: [], groups: 0, staged: [], published: [], productionAssignments: [], stagingAssignments: 0 });
    betaUntouched(qoem, before.beta);
    expect(sharedTenantOf(qoem).status).toBe("active");
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "active", kind: "cloud", region: "de" });
    expect(appsOf(qoem, tenantsIn(qoem, "alpha", "de")[0]!.id, "alpha-production")).toEqual(before.alpha);
    expect(await qoem.redis.zscore(qoem.keys.customersAt("shared"), "alpha")).toBeNull();
    expect((await sayCommand(qoem, "move alpha back")).text).toMatch(/only a moving customer/);
    expect((await sayCommand(qoem, "status alpha")).text).toMatch(/source removal \(approved by U2\): alpha removed from shared tenant shared/);
    expect((await sayCommand(qoem, "audit alpha")).text).toMatch(/move source removal → deleted .*approved by U2/);

    // The place is free: 8 of 9, and a new customer takes it.
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/8 of 9 places used/);
    expect(renderFleet((await sayCommand(qoem, "list")).outcome?.result)).toContain("shared tenant shared: 8 of 9 places used");
    const tenth = await sayCommand(qoem, "onboard tenth shared");
    expect(tenth.outcome?.state, tenth.text).toBe("completed");
    expect(sharedContents(qoem.cloudEmulator!, "tenth")).toEqual(expectedSharedContents("tenth"));
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/9 of 9 places used/);
    betaUntouched(qoem, before.beta);
  }, 120_000);

  it("removes only the customer from the shared tenant by itself once the grace period is over", async () => {
    qoem = await startTestQoem("move-shared-grace", { QOEM_MOVE_GRACE_DAYS: "0" });
    const before = await twoCustomers(qoem);
    expect((await approvedMove(qoem, "alpha", "uk")).outcome?.state).toBe("completed");
    await expect.poll(async () => (await qoem!.registry.get("alpha"))?.status, { timeout: 30_000 }).toBe("active");
    expect(sharedContents(qoem.cloudEmulator!, "alpha").spaces).toEqual([]);
    betaUntouched(qoem, before.beta);
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/1 of 9 places used/);
    expect((await qoem.dispatch.audit.read("alpha")).find((e) => e.action === "move source removal")).toMatchObject({ user: "qoem", detail: expect.stringMatching(/^after the grace period: alpha's source \(shared tenant shared\) is removed/) });
  }, 120_000);

  it("refuses an app the target cannot take before anything is created, and resumes once it is fixed, without a new approval", async () => {
    qoem = await startTestQoem("move-shared-refused");
    const before = await twoCustomers(qoem);
    const data = qoem.cloudEmulator!.state.dataOf(sharedTenantOf(qoem).id);
    const production = [...data.spaces.values()].find((s) => s.name === "alpha-production")!;
    const twin = data.addApp("Sales Overview", production.id, Buffer.from("a second app of that name"), { published: true });
    // beta's apps carry the same names and do not count: only alpha's are listed.
    expect((await sayCommand(qoem, "move alpha eu --dry-run")).outcome!.progress!.summary).toMatch(/The move would be refused: 2 apps are named 'Sales Overview'/);
    const moved = await approvedMove(qoem, "alpha", "eu");
    expect(moved.outcome?.state).toBe("failed");
    expect(moved.outcome?.error ?? moved.outcome?.progress?.note).toMatch(/the move cannot start: 2 apps are named 'Sales Overview'.*Nothing was created/);
    expect(tenantsIn(qoem, "alpha", "eu")).toHaveLength(0);
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "move-failed", kind: "shared", sharedTenant: "shared" });
    data.apps.delete(twin.id);
    const resumed = await sayCommand(qoem, "move alpha eu");
    expect(resumed.outcome?.state, resumed.text).toBe("completed");
    expect(appsOf(qoem, tenantsIn(qoem, "alpha", "eu")[0]!.id, "alpha-production")).toEqual(before.alpha);
    expect(sharedApps(qoem, "alpha")).toEqual(before.alpha);
    betaUntouched(qoem, before.beta);
  }, 120_000);

  it("finishes a removal that an execution recorded but stopped before the customer was active: nothing more removed, the place freed", async () => {
    qoem = await startTestQoem("move-shared-half");
    const before = await twoCustomers(qoem);
    const asked = await sayCommand(qoem, "move alpha eu", "U1");
    expect((await sayCommand(qoem, `approve ${requestIdOf(asked)}`, "U2")).outcome?.state).toBe("completed");
    const moves = qoem.dispatch.moves!;
    // What the stopped execution did: the source removed and recorded, then nothing (the customer still moving, its place still held).
    const removal = await qoem.adapters.shared.offboard({ customer: "alpha", target: { kind: "shared", tenant: "shared" } }, { purgeAfterDays: 30 });
    await moves.update("alpha", requestIdOf(asked), { phase: "removed", removal: removal.detail });
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/2 of 9 places used/);
    const run = { registry: qoem.registry, moves, adapterFor: qoem.adapters.adapterFor, jobId: "j-next", assertCurrent: async () => undefined };
    const result = await removeMovedSource(run, "alpha", requestIdOf(asked));
    expect(result).toMatchObject({ status: "removed", detail: removal.detail });
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "active", kind: "cloud", region: "eu" });
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/1 of 9 places used/);
    betaUntouched(qoem, before.beta);
    // Once more: already done, nothing changes.
    expect(await removeMovedSource(run, "alpha", requestIdOf(asked))).toMatchObject({ status: "removed" });
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "active", lastJobId: "j-next" });
  }, 120_000);

  it("gives the own tenant what the shared tenant offered (its templates), not every template, and keeps them in the record", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "qoem-move-shared-")), "qoem.yaml");
    writeFileSync(file, ["sharedTenants:", "  trial:", "    hostname: oem-trial.eu.qlikcloud.com", "    region: eu", '    templates: ["Sales Overview"]', ""].join("\n"));
    qoem = await startTestQoem("move-shared-offer", { QOEM_CONFIG: file });
    await onboardCustomer(qoem, "tc", "trial");
    const trial = qoem.cloudEmulator!.state.tenantByHost("oem-trial.eu.qlikcloud.com")!;
    expect(appsOf(qoem, trial.id, "tc-production").map((a) => a.split(":")[0])).toEqual(["Sales Overview"]);
    expect((await qoem.registry.get("tc"))!.templates ?? "").toBe("");
    const moved = await approvedMove(qoem, "tc", "eu");
    expect(moved.outcome?.state, moved.text).toBe("completed");
    const target = tenantsIn(qoem, "tc", "eu")[0]!;
    expect(appsOf(qoem, target.id, "tc-production")).toEqual(appsOf(qoem, trial.id, "tc-production"));
    expect(await qoem.registry.get("tc")).toMatchObject({ status: "moving", kind: "cloud", templates: "Sales Overview" });
    expect((await sayCommand(qoem, "health tc")).outcome!.result).toMatchObject({ verdict: "green" });
    // Going back: the shared tenant's customer again, its templates the offer's (identical to every other customer's).
    expect((await sayCommand(qoem, "move tc back")).outcome?.state).toBe("completed");
    expect(await qoem.registry.get("tc")).toMatchObject({ status: "active", kind: "shared", sharedTenant: "trial", templates: "Sales Overview" });
  }, 120_000);
});
