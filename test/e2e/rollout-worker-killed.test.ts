// A rollout whose worker process is killed (SIGKILL) while republishes are in flight: another worker process takes the rollout over and every customer is republished exactly once.
// Killed again while it removes the previous apps the customers kept (the rollout's last phase): the next worker finishes the removal.
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startCloudEmulator, type CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { workerProcesses } from "../support/worker-processes.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { approvedRollout, newCloudVersion, untilKeptRemoved, untilRollout } from "../support/rollout-fixture.ts";

const workers = workerProcesses();
let emulator: CloudEmulator | undefined;
let chat: TestQoem | undefined;

afterAll(async () => {
  await workers.stopAll();
  await chat?.stop();
  await emulator?.close();
});

const startWorker = (prefix: string) => workers.start(prefix, emulator!.url);

describe("a worker killed mid-rollout", () => {
  it("resumes in another worker process without republishing any customer twice; killed while removing the kept apps, the next worker finishes the removal", async () => {
    emulator = await startCloudEmulator(emulatorDefaults());
    const seeded = await fetch(`${emulator.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: 8, region: "eu", prefix: "kill-", apps: ["Sales Overview"] }) });
    const { tenants } = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) }).parse(await seeded.json());
    chat = await startTestQoem("rollout-kill", { QOEM_ROLES: "chat", QOEM_EMULATORS: "0", QOEM_EMULATOR_URL: emulator.url });
    for (const t of tenants) {
      await chat.registry.begin(t.name, { kind: "cloud", region: "eu" }, "test", "active", "seed");
      await chat.registry.update(t.name, { tenantId: t.id, hostname: t.hostname });
    }
    newCloudVersion(emulator, "Sales Overview", "QVF v2 after the kill\n");
    // Republishes are carried out at once but answered three seconds later: the kill lands after they went out and before the
    // worker heard, so what it recorded is `replacing` for customers whose production already has the new version.
    emulator.faults.set([{ method: "PUT", path: "/\\/api\\/v1\\/apps\\/[^/]+\\/publish$/", action: "latency-after", latencyMs: 3000 }]);

    const workerA = startWorker(chat.prefix);
    await workerA.waitFor(/qoem process ready/);
    const id = await approvedRollout(chat, 'rollout "Sales Overview" --region eu --canary 8');
    const republished = () => tenants.filter((t) => [...emulator!.state.dataOf(t.id).apps.values()].some((a) => a.published && (a.republished ?? 0) > 0)).length;
    await expect.poll(republished, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(4);
    workerA.child.kill("SIGKILL");
    expect(await workerA.exited).toBe("SIGKILL");
    const atKill = await chat.dispatch.rollouts.counts(id);
    expect(atKill.replacing ?? 0).toBeGreaterThanOrEqual(4);
    expect(atKill.updated ?? 0).toBe(0);

    // Worker B's removals of the kept apps (the rollout's last phase; no other DELETE is sent) are carried out at once but answered late.
    emulator.faults.set([{ method: "DELETE", path: "/\\/api\\/v1\\/apps\\/[^/]+$/", action: "latency-after", latencyMs: 3000 }]);
    const workerB = startWorker(chat.prefix);
    await untilRollout(chat, id, ["completed"], 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await chat!.dispatch.rollouts.counts(id))}\n${workerB.stderr().slice(-3000)}`);
    });
    expect(await chat.dispatch.rollouts.counts(id)).toEqual({ updated: 8 });
    for (const t of tenants) {
      const data = emulator.state.dataOf(t.id);
      const production = [...data.apps.values()].filter((a) => a.published && a.name === "Sales Overview");
      expect(production, t.name).toHaveLength(1);
      expect(production[0]!.content.toString(), t.name).toContain("after the kill");
      // Exactly one republish per customer, whichever worker sent it.
      expect(production[0]!.republished, t.name).toBe(1);
    }
    const job = await chat.operations.getJob(`rollout.${id}`);
    expect(job?.stalledCounter).toBeGreaterThan(0);
    expect(workerB.stderr()).not.toMatch(/^\s+at /m);

    // The rollout completed; its last phase removes each customer's kept previous app: worker B is killed after the removals
    // went out and before it heard (and recorded) any.
    const staged = () => tenants.map((t) => [...emulator!.state.dataOf(t.id).apps.values()].filter((a) => !a.published && a.name === "Sales Overview").length);
    await expect.poll(staged, { timeout: 60_000, interval: 20 }).toEqual(tenants.map(() => 1));
    workerB.child.kill("SIGKILL");
    expect(await workerB.exited).toBe("SIGKILL");
    expect(await chat.dispatch.rollouts.keptCount(id)).toBe(tenants.length);
    emulator.faults.clear();
    const workerC = startWorker(chat.prefix);
    await untilKeptRemoved(chat, id, 90_000);
    for (const t of tenants) {
      const apps = [...emulator.state.dataOf(t.id).apps.values()].filter((a) => a.name === "Sales Overview");
      const production = apps.find((a) => a.published)!;
      // Staging holds only the app production now comes from.
      expect(apps.filter((a) => !a.published).map((a) => a.id), t.name).toEqual([production.originAppId]);
    }
    expect(await chat.dispatch.rollouts.keptLeft(id)).toEqual([]);
    expect(workerC.stderr()).not.toMatch(/^\s+at /m);
  }, 240_000);
});
