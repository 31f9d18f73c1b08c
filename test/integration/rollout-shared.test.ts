// Template rollouts to a shared tenant's customers on the cloud emulator, through the real runner: a tagged version, one customer's check failing and rolled back, the others updated, versions recorded and shown, a second rollout of the same tag skipping who has it.
import { describe, expect, it } from "vitest";
import { useTestQoem } from "../support/use-test-qoem.ts";
import { approvedRollout, onboardAll, tagCloudVersion, untilKeptRemoved, untilRollout } from "../support/rollout-fixture.ts";
import { expectedSharedContents, SHARED_HOST, sharedContents } from "../support/shared-fixture.ts";
import type { CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";

const t = useTestQoem();
const TEMPLATE = "Sales Overview";

/** A shared-tenant customer's apps of one name: in its production space and in its staging space, and the tenant's reloads. */
function sharedAppsOf(emulator: CloudEmulator, customer: string, name: string) {
  const data = emulator.state.dataOf(emulator.state.tenantByHost(SHARED_HOST)!.id);
  const spaces = [...data.spaces.values()];
  const production = spaces.find((s) => s.name === `${customer}-production` && s.type === "managed")!;
  const staging = spaces.find((s) => s.name === `${customer}-staging` && s.type === "shared")!;
  const apps = [...data.apps.values()].filter((a) => a.name === name);
  return { production: apps.filter((a) => a.spaceId === production.id), staging: apps.filter((a) => a.spaceId === staging.id), reloads: data.reloads };
}

/** Calls the emulator let through to the shared tenant's host so far, per rate tier. */
function sharedHostCalls(emulator: CloudEmulator): { tier2: number; special: number } {
  const out = { tier2: 0, special: 0 };
  for (const [id, n] of emulator.limiter.allowed) {
    const [tier, host] = id.split("|");
    if (host === SHARED_HOST && (tier === "tier2" || tier === "special")) out[tier] += n;
  }
  return out;
}

describe("rollout to a shared tenant's customers", () => {
  it("updates them all in one wave with the tagged version, rolls back the one whose reload fails, records and shows the versions, and a second rollout of the same tag skips who has it", async () => {
    const q = await t.start("rollout-shared");
    const emu = q.cloudEmulator!;
    const shared = ["sr-a", "sr-b", "sr-c", "sr-d"];
    await onboardAll(q, shared, "shared");
    await onboardAll(q, ["sr-own"], "eu");
    tagCloudVersion(emu, TEMPLATE, "QVF shared v2\nrequires-variable: vCustomerId\n", "2.0");
    // sr-c's data does not fit the new version: its production app's reloads fail.
    sharedAppsOf(emu, "sr-c", TEMPLATE).production[0]!.reloadsFail = true;

    const dry = await t.say(`rollout "${TEMPLATE}" --canary 1 --dry-run`);
    const plan = dry.outcome?.result as { wouldUpdate: string[]; waves: number[]; versions: Record<string, string>; sharedTenants: Record<string, number> };
    expect(plan.wouldUpdate).toEqual([...shared, "sr-own"]);
    // The version is the tag's, read for the own tenants and for the shared tenant from the same source tenant.
    expect(plan.versions).toEqual({ cloud: "2.0", "shared:shared": "2.0" });
    // A canary of one, but the shared tenant's four customers go together.
    expect(plan.waves).toEqual([4, 1]);
    expect(plan.sharedTenants).toEqual({ shared: 4 });

    const before = sharedHostCalls(emu);
    const id = await approvedRollout(q, `rollout "${TEMPLATE}" --canary 1 --threshold 100`);
    const done = await untilRollout(q, id, ["completed"]);
    // The updated customers' previous apps go in the rollout's last phase, after it is marked completed.
    await untilKeptRemoved(q, id);
    // On the shared host, which all four share: per updated customer an import, a republish and a removal (tier 2) and a reload;
    // the rolled-back one a second republish and a second reload. None refused.
    const after = sharedHostCalls(emu);
    expect({ tier2: after.tier2 - before.tier2, special: after.special - before.special }).toEqual({ tier2: 3 * 3 + 4, special: 3 + 2 });
    expect(emu.limiter.counted429).toBe(0);
    expect(done.versions?.["shared:shared"]?.version).toBe("2.0");
    expect(done.waveSizes).toEqual([4, 1]);
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 4, "rolled-back": 1 });
    for (const c of ["sr-a", "sr-b", "sr-d"]) {
      const apps = sharedAppsOf(emu, c, TEMPLATE);
      expect(apps.production).toHaveLength(1);
      expect(apps.production[0]!.content.toString()).toContain("QVF shared v2");
      expect(apps.production[0]!.republished).toBe(1);
      // Production now comes from the staged import; the previous version is gone from staging.
      expect(apps.staging.map((a) => a.id)).toEqual([apps.production[0]!.originAppId]);
      expect(apps.reloads.find((r) => r.appId === apps.production[0]!.id)).toMatchObject({ status: "SUCCEEDED", variables: { vCustomerId: c, vCustomerName: c } });
      expect(JSON.parse((await q.registry.get(c))!.templateVersions!)).toEqual({ [TEMPLATE]: "2.0" });
      expect((await t.say(`status ${c}`)).text).toContain(`template versions: ${TEMPLATE} 2.0`);
    }
    const failed = sharedAppsOf(emu, "sr-c", TEMPLATE);
    expect(failed.production[0]!.content.toString()).not.toContain("QVF shared v2");
    expect(failed.production[0]!.republished).toBe(2);
    expect(failed.staging).toHaveLength(1);
    expect((await q.registry.get("sr-c"))!.templateVersions).toBeUndefined();
    expect((await t.say("status sr-c")).text).not.toContain("template versions");
    // Each customer still has exactly its own objects: one import and one published app per template, its group the only member.
    for (const c of shared) expect(sharedContents(emu, c)).toEqual(expectedSharedContents(c));
    expect(JSON.parse((await q.registry.get("sr-own"))!.templateVersions!)).toEqual({ [TEMPLATE]: "2.0" });
    const status = await t.say(`rollout status ${id}`);
    expect(status.text).toContain("4 updated, 1 rolled-back");
    expect(status.text).toMatch(/^ {2}version: (shared:shared 2\.0, cloud 2\.0|cloud 2\.0, shared:shared 2\.0)$/m);
    expect(status.text).toMatch(/sr-c: rolled-back: reload failed: Connection to data source failed; rolled back to the previous version/);
    expect(await t.auditOf("sr-a")).toContain(`rollout ${id} run → updated`);

    // The OEM changes the app but keeps the tag: the version is still 2.0, so only the customer without it is updated.
    tagCloudVersion(emu, TEMPLATE, "QVF shared v2, touched up\n", "2.0");
    failed.production[0]!.reloadsFail = false;
    const again = await t.say(`rollout "${TEMPLATE}" --dry-run`);
    const second = again.outcome?.result as { wouldUpdate: string[]; alreadyCurrent: string[] };
    expect(second.alreadyCurrent).toEqual(["sr-a", "sr-b", "sr-d", "sr-own"]);
    expect(second.wouldUpdate).toEqual(["sr-c"]);
    const next = await approvedRollout(q, `rollout "${TEMPLATE}" --threshold 100`);
    await untilRollout(q, next, ["completed"]);
    expect(await q.dispatch.rollouts.counts(next)).toEqual({ skipped: 4, updated: 1 });
    expect(await q.dispatch.rollouts.failures(next, 10)).toEqual([]);
    expect((await q.dispatch.rollouts.detail(next, "sr-a")).reason).toBe("already has version 2.0");
    expect(sharedAppsOf(emu, "sr-a", TEMPLATE).production[0]!.content.toString()).not.toContain("touched up");
    // The tag names the version: version 2.0 is the file exported for it once, so sr-c gets what its neighbours have.
    expect(sharedAppsOf(emu, "sr-c", TEMPLATE).production[0]!.content.toString()).toBe(sharedAppsOf(emu, "sr-a", TEMPLATE).production[0]!.content.toString());
    expect((await t.say("status sr-c")).text).toContain(`template versions: ${TEMPLATE} 2.0`);
  }, 180_000);
});
