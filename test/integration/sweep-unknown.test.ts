// A sweep that cannot check a customer (Qlik answers 503, the listing fails) records it as unknown,
// grey in `health all` and App Home, raises no alert, and says why once per sweep; an unknown neither
// starts nor ends an alert streak.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { fleetHealthView } from "../../src/chat/render-fleet-health.ts";
import { homeBlocks } from "../../src/chat/slack/home-view.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { onboardCustomer, setFaults, sweepRegion, tenantKnob } from "../support/health-fixture.ts";

let qoem: TestQoem;
beforeAll(async () => {
  qoem = await startTestQoem("sweep-unknown");
  for (const c of ["acme", "globex"]) await onboardCustomer(qoem, c);
  await sweepRegion(qoem);
});
afterEach(async () => {
  await setFaults(qoem, []);
});
afterAll(async () => {
  await qoem?.stop();
});

const uncheckedLines = () => qoem.logLines.filter((l) => l.includes("sweep could not check some customers"));
const pendingAlerts = async () => (await qoem.history.outbox.pending()).map((a) => `${a.customer} ${a.kind}`);

describe("a sweep that cannot check", () => {
  it("records unknown, not red, raises no alert, and says why once per sweep", async () => {
    expect((await qoem.history.latest("acme"))!.verdict).toBe("green");
    // Every detailed check fails: the identity-provider read answers 503 (a transient error of qoem's, not the tenant's health).
    await setFaults(qoem, [{ path: "/api/v1/identity-providers", action: "status", status: 503 }]);
    const before = uncheckedLines().length;
    const result = await sweepRegion(qoem);

    expect(result.counts).toMatchObject({ unknown: 2, red: 0 });
    expect(result.alerts).toEqual([]);
    expect(result.unchecked).toMatchObject({ count: 2, code: "transient", reason: expect.stringMatching(/503/) });
    const acme = (await qoem.history.latest("acme"))!;
    expect(acme).toMatchObject({ verdict: "unknown", known: { verdict: "green" }, alerted: "green" });
    expect(acme.reasons[0]).toMatch(/^could not be checked: .*503/);
    expect(await pendingAlerts()).toEqual([]);
    // One line for the sweep, with the count and the first reason, not one per customer.
    const lines = uncheckedLines().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/"unchecked":2,"code":"transient","reason":"[^"]*503/);

    const answer = await dispatchCommand({ text: "health all", user: "U1", surface: "shell" }, qoem.dispatch);
    const text = answer.kind === "fleet" ? answer.text : "";
    expect(text).toMatch(/Fleet health: \d+ green, 0 amber, 0 red, 2 unknown/);
    expect(text).toMatch(/⚪ acme \(eu, unknown for \d+ min, last known green\): could not be checked/);
    const home = JSON.stringify(homeBlocks(fleetHealthView(await qoem.history.all(), await qoem.history.lastSweepAt())));
    expect(home).toMatch(/\*2\* unknown/);
    expect(home).toMatch(/⚪ \*acme\*/);
  });

  it("records everyone unknown when the organisation listing fails", async () => {
    await setFaults(qoem, [{ method: "GET", path: "/api/core/tenants", action: "status", status: 503 }]);
    const result = await sweepRegion(qoem);
    expect(result.counts).toMatchObject({ unknown: 2, red: 0, green: 0 });
    expect(result.detailed).toBe(0);
    expect(result.unchecked?.reason).toMatch(/listing tenants: Qlik answered 503/);
    expect(await pendingAlerts()).toEqual([]);
  });

  it("lets the last real verdict stand for alerting: unknown neither starts nor ends a streak", async () => {
    const acme = tenantsNamed(qoem.cloudEmulator!, "acme")[0]!;
    await tenantKnob(qoem, acme.id, { unhealthy: true });
    const red = await sweepRegion(qoem);
    expect(red.alerts.map((a) => `${a.customer} ${a.kind}`)).toEqual(["acme red"]);
    const redSince = (await qoem.history.latest("acme"))!.since;
    // The channel hears the red (as a notifier would settle it), then qoem loses sight of acme for a sweep.
    await qoem.history.outbox.deliver("acme", red.alerts[0]!.id, async () => undefined);
    await setFaults(qoem, [{ method: "GET", path: "/api/core/tenants", action: "status", status: 503 }]);
    expect((await sweepRegion(qoem)).alerts).toEqual([]);
    await setFaults(qoem, []);
    // Red again: the same red streak, no second red alert, and its age runs from the first red.
    expect((await sweepRegion(qoem)).alerts).toEqual([]);
    const latest = (await qoem.history.latest("acme"))!;
    expect(latest).toMatchObject({ verdict: "red", alerted: "red" });
    expect(latest.since).toBe(redSince);

    // Recovery confirmed across an unknown: green, unknown, green is two greens in a row.
    await tenantKnob(qoem, acme.id, { unhealthy: false });
    expect((await sweepRegion(qoem)).alerts).toEqual([]);
    await setFaults(qoem, [{ method: "GET", path: "/api/core/tenants", action: "status", status: 503 }]);
    expect((await sweepRegion(qoem)).alerts).toEqual([]);
    await setFaults(qoem, []);
    expect((await sweepRegion(qoem)).alerts.map((a) => `${a.customer} ${a.kind}`)).toEqual(["acme all-clear"]);
  });
});
