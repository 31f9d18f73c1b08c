// Health sweeps with the emulators: a tenant made unhealthy through the emulator's knobs gives
// exactly one alert, its recovery one all-clear, and a flapping tenant no alert per sweep.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "bullmq";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { startAlertsNotifier, type AlertMessage } from "../../src/chat/alerts-notifier.ts";
import { captureLogger, startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { onboardCustomer, sweepRegion, tenantKnob } from "../support/health-fixture.ts";
import { waitUntil } from "../support/wait-until.ts";
import { scopeKey } from "../../src/core/run-sweep.ts";

let qoem: TestQoem;
let notifier: Worker;
const delivered: AlertMessage[] = [];
beforeAll(async () => {
  qoem = await startTestQoem("fleet-health");
  notifier = startAlertsNotifier({ connection: qoem.redis, keys: qoem.keys, logger: captureLogger([]), deliver: async (_text, alert) => void delivered.push(alert), limiter: { max: 100, duration: 1000 } });
});
afterAll(async () => {
  await notifier?.close();
  await qoem?.stop();
});

/** One sweep of eu, then every alert it decided delivered. */
async function sweepEu() {
  await sweepRegion(qoem, "eu");
  await waitUntil(async () => (await qoem.history.outbox.pending()).length === 0, "every alert delivered");
}
const alertsFor = (customer: string) => delivered.filter((a) => a.customer === customer).map((a) => a.kind);
const knob = (id: string, body: object) => tenantKnob(qoem, id, body);

describe("fleet health sweeps", () => {
  it("keeps one persistent scheduler per region and site, and never runs two sweeps of one scope at once", async () => {
    const schedulers = await qoem.sweeps.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(qoem.scopes.map((s) => `sweep.${scopeKey(s)}`).sort());
    // A restarted qoem without the scheduler role still finds them in Redis.
    const { startQoem } = await import("../../src/main.ts");
    const { captureLogger } = await import("../support/start-test-qoem.ts");
    const other = await startQoem({ ...qoem.config, roles: ["chat"] }, { logger: captureLogger([]) });
    try {
      expect((await other.sweeps.getJobSchedulers()).length).toBe(schedulers.length);
    } finally {
      await other.close();
    }
    // Two sweeps of eu asked for at once: the lock makes the second wait, so they never overlap.
    const held = await qoem.redis.set(qoem.keys.lock("sweep.cloud.eu"), "someone", "PX", 800, "NX");
    expect(held).toBe("OK");
    const started = Date.now();
    await sweepEu();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it("alerts once when a tenant turns red, stays quiet while it stays red, and gives one all-clear on recovery", async () => {
    for (const c of ["acme", "globex"]) await onboardCustomer(qoem, c);
    await sweepEu();
    expect(await alertsFor("acme")).toEqual([]);
    expect((await qoem.history.latest("acme"))!.verdict).toBe("green");

    const tenant = tenantsNamed(qoem.cloudEmulator!, "acme")[0]!;
    await knob(tenant.id, { unhealthy: true });
    await sweepEu();
    await sweepEu();
    await sweepEu();
    expect(await alertsFor("acme")).toEqual(["red"]);
    const latest = (await qoem.history.latest("acme"))!;
    expect(latest).toMatchObject({ verdict: "red", alerted: "red" });
    expect(latest.reasons[0]).toMatch(/does not answer/);

    await knob(tenant.id, { unhealthy: false });
    await sweepEu();
    await sweepEu();
    await sweepEu();
    expect(await alertsFor("acme")).toEqual(["red", "all-clear"]);
    expect(await alertsFor("globex")).toEqual([]);
  });

  it("marks a deactivated tenant red from the fleet listing alone, and holds back alerts for a flapping tenant", async () => {
    const tenant = tenantsNamed(qoem.cloudEmulator!, "globex")[0]!;
    for (let i = 0; i < 8; i++) {
      await knob(tenant.id, { unhealthy: i % 2 === 0 });
      await sweepEu();
    }
    const flapping = await alertsFor("globex");
    expect(flapping.length).toBeLessThanOrEqual(2);
    expect((await qoem.history.latest("globex"))!.held).toBe(true);

    await knob(tenant.id, { unhealthy: false, status: "disabled" });
    await sweepEu();
    expect((await qoem.history.latest("globex"))!.reasons).toEqual(["tenant status is disabled"]);

    const answer = await dispatchCommand({ text: "health all", user: "U1", surface: "shell" }, qoem.dispatch);
    expect(answer.kind).toBe("fleet");
    expect(answer.kind === "fleet" && answer.text).toMatch(/Fleet health: \d+ green, \d+ amber, \d+ red/);
  });

  it("keeps watching a customer whose move waits for approval or failed: it is still served where its record says", async () => {
    await onboardCustomer(qoem, "initech");
    const asked = await dispatchCommand({ text: "move initech us", user: "U1", surface: "shell" }, qoem.dispatch);
    expect(asked.kind).toBe("approval");
    expect((await qoem.registry.get("initech"))!.status).toBe("move-pending");
    const tenant = tenantsNamed(qoem.cloudEmulator!, "initech")[0]!;
    await knob(tenant.id, { unhealthy: true });
    await sweepEu();
    expect(await alertsFor("initech")).toEqual(["red"]);
    await qoem.registry.update("initech", { status: "move-failed" });
    await knob(tenant.id, { unhealthy: false });
    for (let i = 0; i < 3; i++) await sweepEu();
    expect(await alertsFor("initech")).toEqual(["red", "all-clear"]);
  });

  it("logs a sweep that fails as one structured line with its job id", async () => {
    const job = await qoem.sweeps.add("sweep", { scope: { kind: "cloud" } }, { removeOnFail: true });
    await waitUntil(() => qoem.logLines.some((l) => l.includes('"msg":"sweep failed"') && l.includes(`"jobId":"${job.id}"`)), "the sweep failure logged");
    expect(qoem.logLines.filter((l) => l.includes('"msg":"sweep failed"'))).toEqual([expect.stringMatching(/"level":50,.*"jobId":"[^"]+".*"err":"[^"]+"/)]);
  });
});
