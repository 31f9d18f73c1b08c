// Template rollouts on a client-managed site: QRS replace, a reload with the customer's variables through the engine, a failed check rolled back, a pause on the threshold, resume, cancel.
import { describe, expect, it } from "vitest";
import type { SiteEmulator } from "../../adapters/client-managed/emulator/site-emulator.ts";
import { useTestQoem } from "../support/use-test-qoem.ts";
import { z } from "zod";
import { approvedRollout, newSiteVersion, onboardAll, untilKeptRemoved, untilRollout } from "../support/rollout-fixture.ts";
import { QrsClient } from "../../adapters/client-managed/qrs-client.ts";
import { appSchema } from "../../adapters/client-managed/site-queries.ts";
import { emulatedSite } from "../../src/create-adapters.ts";
import { TEMPLATE_STREAM } from "../../adapters/client-managed/emulator/site-state.ts";

const t = useTestQoem();

/** What a customer has on the site: its published app of one name, and qoem's copies of it. */
function appsOf(emulator: SiteEmulator, customer: string, name: string) {
  const apps = [...emulator.state.apps.values()];
  const published = apps.filter((a) => a.name === name && a.stream?.name === customer);
  const copies = apps.filter((a) => a.name.startsWith(`qoem-${customer}: ${name} `));
  return { published, copies };
}

describe("rollout on a client-managed site", () => {
  it("replaces every customer's app, reloads it through the engine with its variables, and rolls back the one whose reload fails", async () => {
    const q = await t.start("rollout-site");
    const site = q.siteEmulator!;
    const customers = ["rs-a", "rs-b", "rs-c"];
    await onboardAll(q, customers, "local");
    const version = newSiteVersion(site, "Sales Overview", "QVF site v2\nrequires-variable: vCustomerName\n");
    site.state.reloadsFailIn.add("rs-b");

    const id = await approvedRollout(q, 'rollout "Sales Overview" --site local --canary 1 --threshold 100');
    await untilRollout(q, id, ["completed"]);
    await untilKeptRemoved(q, id);
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 2, "rolled-back": 1 });
    for (const c of ["rs-a", "rs-c"]) {
      const { published, copies } = appsOf(site, c, "Sales Overview");
      expect(published).toHaveLength(1);
      expect(published[0]!.content).toContain("QVF site v2");
      expect(published[0]!.replaced).toBe(1);
      expect(published[0]!.variables).toEqual({ vCustomerId: `'${c}'`, vCustomerName: `'${c}'` });
      expect(published[0]!.lastReloadTime).not.toBe("");
      // The staged copy is removed once the customer's update ended, the kept one once the rollout did.
      expect(copies).toEqual([]);
      expect(JSON.parse((await q.registry.get(c))!.templateVersions!)).toEqual({ "Sales Overview": version });
    }
    const failed = appsOf(site, "rs-b", "Sales Overview");
    expect(failed.published[0]!.content).not.toContain("QVF site v2");
    expect(failed.published[0]!.replaced).toBe(2);
    expect(failed.copies).toEqual([]);
    const status = await t.say(`rollout status ${id}`);
    expect(status.text).toMatch(/rs-b: rolled-back: the reload failed .*; rolled back to the previous version/);
    expect(status.text).toContain(`version: site:local ${version}`);
  }, 150_000);

  it("pauses past the threshold, resumes, and a cancelled rollout starts no other customer; the previous apps are kept until the rollout ends", async () => {
    const q = await t.start("rollout-site-pause");
    const site = q.siteEmulator!;
    const customers = ["sp-a", "sp-b", "sp-c", "sp-d"];
    await onboardAll(q, customers, "local");
    newSiteVersion(site, "Sales Overview", "QVF site v3\n");
    site.state.reloadsFailIn.add("sp-a");

    const id = await approvedRollout(q, 'rollout "Sales Overview" --site local --canary 2');
    const paused = await untilRollout(q, id, ["paused"]);
    expect(paused.pausedReason).toContain("1 of 2 customers failed or were rolled back (50% > 10%)");
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 1, "rolled-back": 1, pending: 2 });
    // sp-b is updated while the rollout is paused: its staged copy is gone, the copy of its previous app is kept.
    await expect.poll(async () => q.operations.getJobState(`rollout.${id}`)).toBe("completed");
    expect(appsOf(site, "sp-b", "Sales Overview").copies.map((a) => a.name)).toEqual([expect.stringMatching(/^qoem-sp-b: Sales Overview \(previous, published .+\)$/)]);
    expect(appsOf(site, "sp-a", "Sales Overview").copies).toEqual([]);
    await t.say(`rollout resume ${id}`);
    await untilKeptRemoved(q, id);
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 3, "rolled-back": 1 });
    for (const c of customers) expect(appsOf(site, c, "Sales Overview").copies, c).toEqual([]);

    // A rollout paused by hand as it starts (each QRS call slowed, so it is still in its canary): the customer under way
    // finishes (updated, keeping its previous app while paused), no other starts; cancelled, the kept app goes and the
    // template is free again.
    site.state.reloadsFailIn.delete("sp-a");
    newSiteVersion(site, "Operations Monitor", "QVF ops site v2\n");
    site.faults.set([{ action: "latency", latencyMs: 250 }]);
    const other = await approvedRollout(q, 'rollout "Operations Monitor" --site local --canary 1');
    await expect.poll(async () => (await q.dispatch.rollouts.states(other, ["sp-a"])).get("sp-a"), { timeout: 30_000, interval: 20 }).not.toBe("pending");
    expect((await t.say(`rollout pause ${other}`)).text).toContain("pauses");
    await expect.poll(async () => (await q.operations.getJobState(`rollout.${other}`)), { timeout: 30_000 }).toBe("completed");
    site.faults.clear();
    expect(await q.dispatch.rollouts.counts(other)).toEqual({ updated: 1, pending: 3 });
    expect(appsOf(site, "sp-a", "Operations Monitor").copies.map((a) => a.name)).toEqual([expect.stringMatching(/\(previous, published .+\)$/)]);
    expect((await t.say(`rollout cancel ${other}`)).text).toContain("is cancelled");
    await untilKeptRemoved(q, other);
    expect(appsOf(site, "sp-a", "Operations Monitor").copies).toEqual([]);
    const counts = await q.dispatch.rollouts.counts(other);
    expect(counts.pending ?? 0).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await q.dispatch.rollouts.counts(other)).toEqual(counts);
    const untouched = customers.filter((c) => !appsOf(site, c, "Operations Monitor").published[0]!.content.includes("ops site v2"));
    expect(untouched.length).toBe(counts.pending);
    expect((await q.dispatch.rollouts.get(other))?.status).toBe("cancelled");
    expect(await q.dispatch.rollouts.liveOf("Operations Monitor")).toBeUndefined();
  }, 150_000);

  it("takes a template's version from its version:<v> tag, records and shows it, and a second rollout of the same tag skips who has it", async () => {
    const q = await t.start("rollout-site-tag");
    const site = q.siteEmulator!;
    const customers = ["st-a", "st-b"];
    await onboardAll(q, customers, "local");
    // The OEM tags its new version through QRS: a tag, then the template app updated to carry it.
    const qrs = new QrsClient(emulatedSite(site.qrsUrl, site.engineUrl));
    newSiteVersion(site, "Sales Overview", "QVF site tagged\n");
    const tag = await qrs.call("POST", "/qrs/tag", z.object({ id: z.string(), name: z.string() }), { body: { name: "version:3.1" } });
    const template = [...site.state.apps.values()].find((a) => a.name === "Sales Overview" && a.stream?.name === TEMPLATE_STREAM)!;
    const current = await qrs.call("GET", `/qrs/app/${template.id}`, appSchema);
    await qrs.call("PUT", `/qrs/app/${template.id}`, appSchema, { body: { ...current, tags: [{ id: tag.id }] } });
    expect(template.tags).toEqual([{ id: tag.id, name: "version:3.1", privileges: null }]);

    const id = await approvedRollout(q, 'rollout "Sales Overview" --site local --canary 1');
    const done = await untilRollout(q, id, ["completed"]);
    expect(done.versions?.["site:local"]?.version).toBe("3.1");
    expect(await q.dispatch.rollouts.counts(id)).toEqual({ updated: 2 });
    for (const c of customers) {
      expect(JSON.parse((await q.registry.get(c))!.templateVersions!)).toEqual({ "Sales Overview": "3.1" });
      expect((await t.say(`status ${c}`)).text).toContain("template versions: Sales Overview 3.1");
      expect(appsOf(site, c, "Sales Overview").published[0]!.content).toContain("QVF site tagged");
    }
    // Changed again under the same tag: still version 3.1, which both have.
    newSiteVersion(site, "Sales Overview", "QVF site tagged, touched up\n");
    const dry = await t.say('rollout "Sales Overview" --site local --dry-run');
    expect((dry.outcome?.result as { alreadyCurrent: string[]; wouldUpdate: string[] })).toMatchObject({ alreadyCurrent: customers, wouldUpdate: [] });
    const again = await approvedRollout(q, 'rollout "Sales Overview" --site local');
    await untilRollout(q, again, ["completed"]);
    expect(await q.dispatch.rollouts.counts(again)).toEqual({ skipped: 2 });
    for (const c of customers) expect(appsOf(site, c, "Sales Overview").published[0]!.content).not.toContain("touched up");
  }, 150_000);
});
