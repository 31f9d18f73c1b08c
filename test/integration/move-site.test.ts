// Moving a client-managed site's customer to Qlik Cloud: QRS export and download, the apps with names and sizes, health of both sides, the site area removed on the second approval.
import { afterEach, describe, expect, it } from "vitest";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { onboardCustomer } from "../support/health-fixture.ts";
import { sayCommand } from "../support/say-command.ts";
import { appsOf, approvedMove, removalRequest, tenantsIn } from "../support/move-fixture.ts";
import { siteContents } from "../support/site-fixture.ts";

let qoem: TestQoem | undefined;
afterEach(async () => {
  await qoem?.stop();
  qoem = undefined;
});

/** The customer's published apps on the site, as `name:fileSize`. */
function siteApps(q: TestQoem, customer: string): string[] {
  const s = q.siteEmulator!.state;
  const stream = [...s.streams.values()].find((x) => x.name === customer);
  return [...s.apps.values()].filter((a) => stream && a.stream?.id === stream.id).map((a) => `${a.name}:${a.fileSize}`).sort();
}

describe("move from a client-managed site to Qlik Cloud", () => {
  it("exports each app through QRS, imports and publishes it on the new tenant, then removes the site area on the second approval", async () => {
    qoem = await startTestQoem("move-site");
    await onboardCustomer(qoem, "globex", "local");
    // The customer's own apps differ from the templates: one grew, so sizes can be told apart.
    const grown = [...qoem.siteEmulator!.state.apps.values()].find((a) => a.name === "Sales Overview" && a.stream !== null && a.stream.name === "globex")!;
    grown.content = `Sales Overview of globex\n${"z".repeat(5000)}`;
    grown.fileSize = grown.content.length;
    const before = siteApps(qoem, "globex");
    expect(before).toEqual(["Operations Monitor:1056", "Sales Overview:5025"]);

    const plan = await sayCommand(qoem, "move globex eu --dry-run");
    expect(plan.outcome!.progress!.steps.filter((s) => s.id.startsWith("app:")).map((s) => s.detail)).toEqual([
      "0.001 MB, from client-managed site local to globex-staging → globex-production on eu",
      "0.005 MB, from client-managed site local to globex-staging → globex-production on eu",
    ]);
    expect(plan.outcome!.progress!.steps.find((s) => s.id === "remove-source")!.detail).toMatch(/apps, stream, rule, virtual proxy and tag are removed from site local/);

    const moved = await approvedMove(qoem, "globex", "eu");
    expect(moved.outcome?.state).toBe("completed");
    const calls = qoem.siteEmulator!.stats.qrsCalls;
    expect(calls.filter((c) => /^POST \/qrs\/app\/[0-9a-f-]{36}\/export\/[0-9a-f-]{36}$/.test(c))).toHaveLength(2);
    expect(calls.filter((c) => /^GET \/qrs\/download\/app\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/.+\.qvf$/.test(c))).toHaveLength(2);
    const tenant = tenantsIn(qoem, "globex", "eu");
    expect(tenant).toHaveLength(1);
    const production = appsOf(qoem, tenant[0]!.id, "globex-production");
    // The moved apps keep their names and sizes; the target's onboard also deployed the template the site did not have.
    expect(production.filter((a) => !a.startsWith("Customer Insights"))).toEqual(before);
    expect(production.filter((a) => a.startsWith("Customer Insights"))).toHaveLength(1);
    expect(appsOf(qoem, tenant[0]!.id, "globex-staging")).toEqual(production);
    expect(await qoem.registry.get("globex")).toMatchObject({ status: "moving", kind: "cloud", region: "eu", tenantId: tenant[0]!.id });
    expect(siteContents(qoem.siteEmulator!, "globex").streams).toBe(1);

    const health = await sayCommand(qoem, "health globex");
    const reasons = (health.outcome!.result as { reasons: string[] }).reasons;
    expect(reasons.some((r) => r.startsWith("source (local)"))).toBe(true);
    expect(reasons.some((r) => r.startsWith("target (eu)"))).toBe(true);

    const removed = await sayCommand(qoem, `approve ${await removalRequest(qoem, "globex")}`, "U2");
    expect(removed.outcome?.state).toBe("completed");
    expect(siteContents(qoem.siteEmulator!, "globex")).toMatchObject({ streams: 0, apps: [], rules: [], tag: false, virtualProxies: [] });
    expect(await qoem.registry.get("globex")).toMatchObject({ status: "active", region: "eu" });
  }, 120_000);

  it("goes back to the site untouched", async () => {
    qoem = await startTestQoem("move-site-back");
    await onboardCustomer(qoem, "wonka", "local");
    const before = siteContents(qoem.siteEmulator!, "wonka");
    expect((await approvedMove(qoem, "wonka", "de")).outcome?.state).toBe("completed");
    expect((await sayCommand(qoem, "move wonka back")).outcome?.state).toBe("completed");
    expect(await qoem.registry.get("wonka")).toMatchObject({ status: "active", kind: "client-managed", site: "local" });
    expect((await qoem.registry.get("wonka"))!.tenantId).toBeUndefined();
    expect(siteContents(qoem.siteEmulator!, "wonka")).toEqual(before);
    expect(tenantsIn(qoem, "wonka", "de").map((t) => t.status)).toEqual(["disabled"]);
  }, 120_000);

  it("refuses a move to a site: nothing is imported into a client-managed site", async () => {
    qoem = await startTestQoem("move-site-refused");
    await onboardCustomer(qoem, "acme", "eu");
    expect((await sayCommand(qoem, "move acme local")).text).toMatch(/a move goes to a Qlik Cloud region .*qoem does not import apps into a client-managed site such as 'local'/);
  }, 60_000);
});
