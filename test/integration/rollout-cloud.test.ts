// Template rollouts on Qlik Cloud tenants: waves, a failed check rolled back while the others are updated, a version that reloads but does not open through the engine, a pause on the threshold, resume, cancel.
import { describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { useTestQoem } from "../support/use-test-qoem.ts";
import { approvedRollout, newCloudVersion, onboardAll, textOf, untilKeptRemoved, untilRollout } from "../support/rollout-fixture.ts";
import type { CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";

const t = useTestQoem();

/** The customer's apps of one name: in production (published) and in staging. */
function appsOf(emulator: CloudEmulator, customer: string, name: string) {
  const tenant = [...emulator.state.tenants.values()].find((x) => x.name === customer && x.status === "active")!;
  const data = emulator.state.dataOf(tenant.id);
  const spaces = [...data.spaces.values()];
  const prod = spaces.find((s) => s.type === "managed")!;
  const staging = spaces.find((s) => s.type === "shared")!;
  const apps = [...data.apps.values()].filter((a) => a.name === name);
  return { tenant, production: apps.filter((a) => a.spaceId === prod.id), staging: apps.filter((a) => a.spaceId === staging.id), reloads: data.reloads };
}

describe("rollout on Qlik Cloud", () => {
  it("updates every customer in waves, rolls back the one whose reload fails, records the versions and reloads with the customer's variables", async () => {
    const q = await t.start("rollout-cloud");
    const emu = q.cloudEmulator!;
    const customers = ["rc-a", "rc-b", "rc-c", "rc-d"];
    await onboardAll(q, customers, "eu");
    const version = newCloudVersion(emu, "Sales Overview", "QVF v2\nrequires-variable: vCustomerId\n");
    appsOf(emu, "rc-c", "Sales Overview").tenant.reloadsFail = true;

    const dry = await t.say('rollout "Sales Overview" --region eu --canary 1 --dry-run');
    expect(dry.outcome?.state).toBe("completed");
    const plan = dry.outcome?.result as { wouldUpdate: string[]; alreadyCurrent: string[]; waves: number[] };
    expect(plan.wouldUpdate).toEqual(customers);
    expect(plan.waves).toEqual([1, 1, 1, 1]);

    // The first republish is carried out but its answer is lost (a dropped connection): the retry must look before sending again.
    emu.faults.set([{ method: "PUT", path: "/\\/api\\/v1\\/apps\\/[^/]+\\/publish$/", action: "drop-after", times: 1 }]);
    const id = await approvedRollout(q, 'rollout "Sales Overview" --region eu --canary 1 --threshold 100');
    const done = await untilRollout(q, id, ["completed"]);
    await untilKeptRemoved(q, id);
    expect(done.versions?.cloud?.version).toBe(version);
    expect(emu.faults.fired).toBe(1);
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 3, "rolled-back": 1 });
    for (const c of ["rc-a", "rc-b", "rc-d"]) {
      const apps = appsOf(emu, c, "Sales Overview");
      expect(apps.production).toHaveLength(1);
      expect(apps.production[0]!.content.toString()).toContain("QVF v2");
      expect(apps.production[0]!.republished).toBe(1);
      // The previous version is gone once the rollout ended; production now comes from the staged import.
      expect(apps.staging.map((a) => a.id)).toEqual([apps.production[0]!.originAppId]);
      const reload = apps.reloads.find((r) => r.appId === apps.production[0]!.id)!;
      expect(reload).toMatchObject({ status: "SUCCEEDED", variables: { vCustomerId: c, vCustomerName: c } });
      expect(JSON.parse((await q.registry.get(c))!.templateVersions!)).toEqual({ "Sales Overview": version });
    }
    const failed = appsOf(emu, "rc-c", "Sales Overview");
    // Rolled back: production holds the previous version again (republished twice: the new one, then the old), the staged import removed.
    expect(failed.production[0]!.content.toString()).not.toContain("QVF v2");
    expect(failed.production[0]!.republished).toBe(2);
    expect(failed.staging).toHaveLength(1);
    expect((await q.registry.get("rc-c"))!.templateVersions).toBeUndefined();

    const status = await t.say(`rollout status ${id}`);
    expect(status.text).toContain("completed");
    expect(status.text).toContain("3 updated, 1 rolled-back");
    expect(status.text).toMatch(/rc-c: rolled-back: reload failed: Connection to data source failed; rolled back to the previous version/);
    expect((await t.say("status rc-a")).text).toContain(`template versions: Sales Overview ${version}`);
    expect(await t.auditOf("rc-c")).toContain(`rollout ${id} run → rolled-back`);
    expect(await t.auditOf("rc-a")).toContain(`rollout ${id} run → updated`);
    // An onboard after the rollout started gets the new version.
    await onboardAll(q, ["rc-e"], "eu");
    expect(appsOf(emu, "rc-e", "Sales Overview").production[0]!.content.toString()).toContain("QVF v2");
    // The template is free again; a second rollout of the same version finds every updated customer current.
    const again = await t.say('rollout "Sales Overview" --region eu --dry-run');
    expect((again.outcome?.result as { alreadyCurrent: string[] }).alreadyCurrent).toEqual(["rc-a", "rc-b", "rc-d"]);
  }, 150_000);

  it("rolls back a customer whose new version reloads but does not open through the engine, and pauses on the canary", async () => {
    const q = await t.start("rollout-open");
    const emu = q.cloudEmulator!;
    const customers = ["ro-a", "ro-b"];
    await onboardAll(q, customers, "eu");
    const sessionsBefore = emu.engine.sessions;
    newCloudVersion(emu, "Customer Insights", "QVF v4\nbroken-data-model: circular reference between Orders and Invoices\n");

    const id = await approvedRollout(q, 'rollout "Customer Insights" --region eu --canary 1');
    const paused = await untilRollout(q, id, ["paused"]);
    expect(paused.pausedReason).toMatch(/wave 1 \(canary\): 1 of 1 customers failed or were rolled back/);
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ "rolled-back": 1, pending: 1 });
    const [canary] = customers.filter((c) => appsOf(emu, c, "Customer Insights").production[0]!.republished === 2);
    expect(canary).toBeDefined();
    const apps = appsOf(emu, canary!, "Customer Insights");
    // The reload succeeded (the script is fine); the open check failed, so production holds the previous version again.
    expect(apps.reloads.filter((r) => r.appId === apps.production[0]!.id).map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(apps.production[0]!.content.toString()).not.toContain("QVF v4");
    expect((await t.say(`rollout status ${id}`)).text).toMatch(new RegExp(`${canary}: rolled-back: reload \\w+ succeeded, but the app does not open: the engine answered LOCERR_APP_INVALID \\(1007\\); rolled back to the previous version`));
    // Both checks (the new version, then the previous one after the rollback) opened an engine session, and closed it.
    expect(emu.engine.sessions - sessionsBefore).toBe(2);
    await expect.poll(() => emu.engine.active()).toBe(0);
    expect((await t.say(`rollout cancel ${id}`)).text).toContain("is cancelled");
  }, 150_000);

  it("pauses a wave past the threshold and alerts; resume goes on; one rollout per template; cancel stops a rollout and frees its template; previous apps are kept until the rollout ends, and one that cannot be removed is reported", async () => {
    const q = await t.start("rollout-pause");
    const emu = q.cloudEmulator!;
    const customers = ["rp-a", "rp-b", "rp-c", "rp-d"];
    await onboardAll(q, customers, "eu");
    newCloudVersion(emu, "Sales Overview", "QVF v3\n");
    appsOf(emu, "rp-b", "Sales Overview").tenant.reloadsFail = true;
    const previous = appsOf(emu, "rp-a", "Sales Overview").production[0]!.originAppId!;

    const id = await approvedRollout(q, 'rollout "Sales Overview" --customers rp-a,rp-b,rp-c,rp-d --canary 2');
    const paused = await untilRollout(q, id, ["paused"]);
    expect(paused.pausedReason).toMatch(/wave 1 \(canary\): 1 of 2 customers failed or were rolled back \(50% > 10%\)/);
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 1, "rolled-back": 1, pending: 2 });
    // rp-a is updated but the rollout has not ended: the app production came from before is still in staging, beside the import.
    await expect.poll(async () => q.operations.getJobState(`rollout.${id}`)).toBe("completed");
    const updatedApps = appsOf(emu, "rp-a", "Sales Overview");
    expect(updatedApps.production[0]!.originAppId).not.toBe(previous);
    expect(updatedApps.staging.map((a) => a.id).sort()).toEqual([previous, updatedApps.production[0]!.originAppId].sort());
    expect((await t.say(`rollout status ${id}`)).text).toContain("previous apps kept until the rollout ends: 1");
    const alerts = await q.history.outbox.pending();
    expect(alerts.find((a) => a.customer === `rollout ${id}`)?.reasons[0]).toContain("paused");
    // One rollout per template at a time.
    const second = await dispatchCommand({ text: 'rollout "Sales Overview" --region eu', user: "U3", surface: "cli" }, q.dispatch);
    expect(textOf(second)).toContain(`already has a rollout paused (${id})`);

    // rp-d's tenant refuses every app removal: its kept app is left and reported, its update still counts.
    const rpdPrevious = appsOf(emu, "rp-d", "Sales Overview").production[0]!.originAppId!;
    emu.faults.set([{ method: "DELETE", path: `/api/v1/apps/${rpdPrevious}`, action: "status", status: 403 }]);
    const resumed = await t.say(`rollout resume ${id}`);
    expect(resumed.answer.kind).toBe("operation");
    await untilKeptRemoved(q, id);
    emu.faults.clear();
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 3, "rolled-back": 1 });
    // Completed: every updated customer's previous app is gone; staging holds only the app production comes from.
    for (const c of ["rp-a", "rp-c"]) {
      const apps = appsOf(emu, c, "Sales Overview");
      expect(apps.staging.map((a) => a.id), c).toEqual([apps.production[0]!.originAppId]);
    }
    expect(appsOf(emu, "rp-a", "Sales Overview").staging.map((a) => a.id)).not.toContain(previous);
    expect(appsOf(emu, "rp-d", "Sales Overview").staging.map((a) => a.id)).toContain(rpdPrevious);
    const status = (await t.say(`rollout status ${id}`)).text;
    expect(status).toContain("3 updated, 1 rolled-back");
    expect(status).toMatch(/previous apps that could not be removed:\n {4}rp-d: its previous app \(\S+\) could not be removed: .*HTTP 403/);
    expect(status).toContain(`rp-d: its previous app (${rpdPrevious}) could not be removed`);

    // Cancel: a rollout of another template, cancelled while it waits for approval; approving it afterwards runs nothing.
    newCloudVersion(emu, "Operations Monitor", "QVF ops v2\n");
    const asked = await dispatchCommand({ text: 'rollout "Operations Monitor" --region eu', user: "U1", surface: "cli" }, q.dispatch);
    if (asked.kind !== "approval") throw new Error(textOf(asked));
    const cancelled = await t.say(`rollout cancel ${asked.approval.rolloutId}`);
    expect(cancelled.text).toContain("is cancelled");
    const approved = await dispatchCommand({ text: `approve ${asked.approval.id}`, user: "U2", surface: "cli" }, q.dispatch);
    expect(textOf(approved)).toContain("cancelled meanwhile");
    expect(await q.dispatch.rollouts.counts(asked.approval.rolloutId!)).toEqual({ pending: 4 });
    expect(appsOf(emu, "rp-a", "Operations Monitor").production[0]!.content.toString()).not.toContain("ops v2");
    // Its template is free for another rollout. That one pauses in its canary (rp-b's reload fails) with three customers updated,
    // who keep their previous apps while it is paused; cancelling it removes them.
    const opsPrevious = appsOf(emu, "rp-a", "Operations Monitor").production[0]!.originAppId!;
    const next = await approvedRollout(q, 'rollout "Operations Monitor" --region eu');
    await untilRollout(q, next, ["paused"]);
    expect(await q.dispatch.rollouts.counts(next)).toEqual({ updated: 3, "rolled-back": 1 });
    await expect.poll(async () => q.operations.getJobState(`rollout.${next}`)).toBe("completed");
    expect(appsOf(emu, "rp-a", "Operations Monitor").staging.map((a) => a.id)).toContain(opsPrevious);
    expect((await t.say(`rollout cancel ${next}`)).text).toMatch(/is cancelled.*previous apps the 3 updated customers kept are being removed/);
    await untilKeptRemoved(q, next);
    for (const c of ["rp-a", "rp-c", "rp-d"]) {
      const apps = appsOf(emu, c, "Operations Monitor");
      expect(apps.production[0]!.content.toString(), c).toContain("ops v2");
      expect(apps.staging.map((a) => a.id), c).toEqual([apps.production[0]!.originAppId]);
    }
    expect((await t.say(`rollout status ${next}`)).text).not.toContain("previous apps");
  }, 150_000);
});
