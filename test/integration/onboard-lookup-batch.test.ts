// Concurrent onboards look their tenants up in shared organisation listing calls, and still never make a second tenant.
import { afterEach, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import type { CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { onboardRequest, runSteps, startCloudFixture, tenantsNamed } from "../support/cloud-fixture.ts";

let qoem: TestQoem | undefined;
let closeFixture: (() => Promise<void>) | undefined;
afterEach(async () => {
  await qoem?.stop();
  await closeFixture?.();
  qoem = undefined;
  closeFixture = undefined;
});

/** Calls the emulator's organisation tenant listing has answered so far. */
const listingCalls = (emulator: CloudEmulator) => [...emulator.stats.byRoute].filter(([route]) => route.startsWith("GET ") && route.endsWith("core\\/tenants$")).reduce((n, [, calls]) => n + calls, 0);

describe("onboards looking their tenants up together", () => {
  it("onboards ten customers at once with fewer listing calls than customers, one tenant each, the existing one adopted", async () => {
    // No scheduler: no sweep lists the organisation meanwhile, so every listing call counted is a lookup.
    qoem = await startTestQoem("lookup-batch", { QOEM_ROLES: "chat,worker" }, { worker: { concurrency: 10, lockRetryMs: 200 } });
    const emulator = qoem.cloudEmulator!;
    // The listing answers slowly, as under load: lookups asked meanwhile wait for the next call.
    emulator.faults.set([{ method: "GET", path: "console.qlikcloud.com/api/core/tenants", action: "latency", latencyMs: 150 }]);
    const existing = emulator.state.addTenant({ datacenter: "eu-west-1", region: "eu", name: "batch-adopt", createdBy: "someone-by-hand" });
    const customers = [...Array.from({ length: 9 }, (_, i) => ({ name: `batch-${i}`, region: ["eu", "us", "de"][i % 3]! })), { name: "batch-adopt", region: "eu" }];
    const before = listingCalls(emulator);
    const answers = await Promise.all(customers.map((c) => dispatchCommand({ text: `onboard ${c.name} ${c.region}`, user: "U1", surface: "cli" }, qoem!.dispatch)));
    for (const a of answers) expect(a).toMatchObject({ kind: "operation", disposition: "queued" });
    await expect.poll(async () => Promise.all(customers.map(async (c) => (await qoem!.registry.get(c.name))?.status)), { timeout: 90_000, interval: 250 }).toEqual(customers.map(() => "active"));
    const calls = listingCalls(emulator) - before;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(customers.length);
    for (const c of customers) expect(tenantsNamed(emulator, c.name)).toHaveLength(1);
    expect(tenantsNamed(emulator, "batch-adopt")[0]!.id).toBe(existing.id);
    expect((await qoem.registry.get("batch-adopt"))?.tenantId).toBe(existing.id);
  });

  it("finds again, all at once, the tenants of onboards that lost what they recorded: each adopts its own, none is made twice", async () => {
    const fixture = await startCloudFixture();
    closeFixture = fixture.close;
    const names = ["redo-a", "redo-b", "redo-c", "redo-d", "redo-e", "redo-f"];
    const first = await Promise.all(names.map((n) => runSteps(fixture.adapter, onboardRequest(n))));
    const ids = first.map((r) => r.facts.tenantId);
    expect(first.map((r) => r.outcomes.find((o) => o.id === "tenant")!.outcome)).toEqual(names.map(() => "created"));
    // Resumed with no facts at all (as if the tenant id was never recorded): only the listing can find the tenants.
    const before = listingCalls(fixture.emulator);
    const again = await Promise.all(names.map((n) => runSteps(fixture.adapter, onboardRequest(n))));
    expect(again.map((r) => r.outcomes.find((o) => o.id === "tenant")!.outcome)).toEqual(names.map(() => "adopted"));
    expect(again.map((r) => r.facts.tenantId)).toEqual(ids);
    expect(listingCalls(fixture.emulator) - before).toBeLessThan(names.length);
    for (const n of names) expect(tenantsNamed(fixture.emulator, n)).toHaveLength(1);
  });
});
