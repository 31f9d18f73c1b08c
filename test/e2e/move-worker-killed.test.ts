// A move between regions whose worker process is killed (SIGKILL) while it imports the customer's apps: another worker process takes the move over, and the
// target holds one tenant and one copy of each app, the source untouched until its removal step.
import { afterAll, describe, expect, it } from "vitest";
import { startCloudEmulator, type CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { workerProcesses } from "../support/worker-processes.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { onboardCustomer } from "../support/health-fixture.ts";
import { requestIdOf, sayCommand } from "../support/say-command.ts";
import { textOf } from "../support/rollout-fixture.ts";

const workers = workerProcesses();
let emulator: CloudEmulator | undefined;
let chat: TestQoem | undefined;

afterAll(async () => {
  await workers.stopAll();
  await chat?.stop();
  await emulator?.close();
});

const startWorker = (prefix: string) => workers.start(prefix, emulator!.url);

const liveTenants = (name: string, region: string) => [...emulator!.state.tenants.values()].filter((t) => t.name === name && t.region === region && t.status !== "deleted");

/** The tenant's apps in a space (by name): `name:bytes`, sorted, and how many of them are published. */
function appsIn(tenantId: string, spaceName: string): { apps: string[]; published: number } {
  const data = emulator!.state.dataOf(tenantId);
  const space = [...data.spaces.values()].find((s) => s.name === spaceName);
  const apps = [...data.apps.values()].filter((a) => space !== undefined && a.spaceId === space.id);
  return { apps: apps.map((a) => `${a.name}:${a.content.length}`).sort(), published: apps.filter((a) => a.published).length };
}

describe("a worker killed mid-move", () => {
  it("resumes in another worker process: one target tenant, one copy of each app, the source intact until its removal", async () => {
    emulator = await startCloudEmulator(emulatorDefaults());
    chat = await startTestQoem("move-kill", { QOEM_ROLES: "chat", QOEM_EMULATORS: "0", QOEM_EMULATOR_URL: emulator.url });
    const workerA = startWorker(chat.prefix);
    await workerA.waitFor(/qoem process ready/);
    await onboardCustomer(chat, "acme", "eu");
    expect(await chat.registry.get("acme")).toMatchObject({ status: "active", region: "eu" });
    const [source] = liveTenants("acme", "eu");
    // Distinct contents, so that names and sizes tell each moved app apart.
    const sourceData = emulator.state.dataOf(source!.id);
    const sourceProduction = [...sourceData.spaces.values()].find((s) => s.name === "acme-production")!;
    let i = 0;
    for (const app of sourceData.apps.values()) if (app.spaceId === sourceProduction.id) app.content = Buffer.from(`${app.name} of acme\n${"z".repeat(1500 + 700 * i++)}`);
    const before = { production: appsIn(source!.id, "acme-production"), staging: appsIn(source!.id, "acme-staging") };
    expect(before.production.apps).toHaveLength(3);
    const sourceIntact = () => {
      expect(source!.status).toBe("active");
      expect(appsIn(source!.id, "acme-production")).toEqual(before.production);
      expect(appsIn(source!.id, "acme-staging")).toEqual(before.staging);
    };

    // Imports are carried out at once but answered three seconds later: the kill lands after an app went into the target's staging and before the worker heard.
    emulator.faults.set([{ method: "POST", path: "/api/v1/apps/import", action: "latency-after", latencyMs: 3000 }]);
    const asked = await sayCommand(chat, "move acme us", "U1");
    const approved = await dispatchCommand({ text: `approve ${requestIdOf(asked)}`, user: "U2", surface: "cli" }, chat.dispatch);
    if (approved.kind !== "decision" || !approved.jobId) throw new Error(`expected the approval to start the move: ${textOf(approved)}`);
    const jobId = approved.jobId;

    // Kill once the first app is in (imported and published) and the second one imported but not yet answered.
    const moved = () => {
      const target = liveTenants("acme", "us")[0];
      return target ? appsIn(target.id, "acme-staging").apps.length : 0;
    };
    await expect.poll(moved, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    workerA.child.kill("SIGKILL");
    expect(await workerA.exited).toBe("SIGKILL");
    expect(await chat.registry.get("acme")).toMatchObject({ status: "moving", region: "eu" });
    const atKill = (await chat.dispatch.moves!.get("acme"))!;
    expect(atKill.phase).toBe("building");
    // The target's staging holds an app whose import the killed worker never heard of: the next worker must find it, not import it again.
    expect(atKill.apps.filter((a) => a.done).length).toBeLessThan(moved());
    sourceIntact();

    // BullMQ finds the job stalled within seconds; the new worker starts it once the killed execution's customer lock (30 s) has expired.
    const workerB = startWorker(chat.prefix);
    await expect
      .poll(async () => (await chat!.operations.getJob(jobId))?.finishedOn, { timeout: 90_000, interval: 200 })
      .toBeDefined()
      .catch(async (e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(await chat!.dispatch.moves!.get("acme"))}\n${workerB.stderr().slice(-3000)}`);
      });
    const finished = (await chat.operations.getJob(jobId))!;
    expect(await finished.getState(), finished.failedReason).toBe("completed");
    // The killed worker's move was stalled and taken over by the other one.
    expect(finished.stalledCounter).toBeGreaterThan(0);

    const target = liveTenants("acme", "us");
    expect(target).toHaveLength(1);
    expect([...emulator.state.tenants.values()].filter((t) => t.name === "acme")).toHaveLength(2);
    // One copy of each app in the target's staging, and one of each published in its production: the source's apps, names and sizes.
    expect(appsIn(target[0]!.id, "acme-staging").apps).toEqual(before.production.apps);
    expect(appsIn(target[0]!.id, "acme-production")).toEqual({ apps: before.production.apps, published: 3 });
    expect(await chat.registry.get("acme")).toMatchObject({ status: "moving", region: "us", tenantId: target[0]!.id });
    // Moved, the source still waits for its removal step: untouched.
    sourceIntact();

    const removal = (await chat.dispatch.approvals.pendingFor("acme"))!;
    expect(removal.operation).toBe("move-removal");
    const removed = await sayCommand(chat, `approve ${removal.id}`, "U2");
    expect(removed.outcome?.state, removed.text).toBe("completed");
    expect(source!.status).toBe("disabled");
    expect(await chat.registry.get("acme")).toMatchObject({ status: "active", kind: "cloud", region: "us", tenantId: target[0]!.id });
    expect(liveTenants("acme", "us")).toHaveLength(1);
    expect(appsIn(target[0]!.id, "acme-production")).toEqual({ apps: before.production.apps, published: 3 });
    const audit = await chat.dispatch.audit.read("acme");
    expect(audit.filter((e) => e.action === "move").map((e) => e.result)).toEqual(["moved"]);
    expect(audit.find((e) => e.action === "move")!.detail).toMatch(/^from Qlik Cloud region eu to Qlik Cloud region us; apps moved: Customer Insights \(\d+ bytes\), Operations Monitor \(\d+ bytes\), Sales Overview/);
    expect(audit.find((e) => e.action === "move source removal")).toMatchObject({ result: "disabled" });
    expect((await sayCommand(chat, "status acme")).text).toMatch(/move: Qlik Cloud region eu → Qlik Cloud region us .*done; the source is removed/s);
    expect(workerB.stderr()).not.toMatch(/^\s+at /m);
  }, 180_000);
});
