// A fault at every step of a move, then a retry: exactly one target, one copy of each app, and the source intact until its removal
// (from a shared tenant: the other customer there untouched throughout, the removal too).
import { afterEach, describe, expect, it } from "vitest";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { onboardCustomer } from "../support/health-fixture.ts";
import { requestIdOf, sayCommand, type Said } from "../support/say-command.ts";
import { appsOf, tenantsIn } from "../support/move-fixture.ts";
import { siteContents } from "../support/site-fixture.ts";
import { expectedSharedContents, SHARED_HOST, sharedContents } from "../support/shared-fixture.ts";
import type { FaultRule } from "../../adapters/qlik-cloud/emulator/faults.ts";

let qoem: TestQoem | undefined;
afterEach(async () => {
  await qoem?.stop();
  qoem = undefined;
});

/** A fault that makes the change, then cuts the connection before the answer (retried by the queue), or one Qlik refuses (the move stops; resumed by hand). */
const lost = (method: string, path: string): FaultRule => ({ method, path, action: "drop-after", times: 1 });
const refused = (method: string, path: string): FaultRule => ({ method, path, action: "status", status: 400, times: 1 });

/** Approves the move, then resumes it each time it stops, until it completes; returns how many times it stopped. */
async function moveThroughFaults(q: TestQoem, customer: string, region: string, sourceIntact: () => void): Promise<number> {
  const asked = await sayCommand(q, `move ${customer} ${region}`, "U1");
  let run: Said = await sayCommand(q, `approve ${requestIdOf(asked)}`, "U2");
  let stops = 0;
  while (run.outcome?.state === "failed") {
    stops++;
    expect(stops, run.outcome.error).toBeLessThan(12);
    expect((await q.registry.get(customer))!.status).toBe("move-failed");
    sourceIntact();
    run = await sayCommand(q, `move ${customer} ${region}`);
  }
  expect(run.outcome?.state, run.text).toBe("completed");
  return stops;
}

describe("a move under faults", () => {
  it("between regions: one target tenant and one published copy of each app, whatever step failed", async () => {
    qoem = await startTestQoem("move-faults-cloud");
    await onboardCustomer(qoem, "acme", "eu");
    const source = tenantsIn(qoem, "acme", "eu")[0]!;
    const sourceApps = appsOf(qoem, source.id, "acme-production");
    const faults = [
      refused("GET", "/api/v1/items"),
      lost("POST", "/api/v1/tenants"),
      refused("PATCH", "/api/v1/tenants/"),
      refused("POST", "/api/v1/groups"),
      refused("POST", "/api/v1/identity-providers"),
      refused("POST", "/api/v1/spaces"),
      refused("POST", "/api/v1/apps/import"),
      refused("POST", "/api/v1/brands"),
      refused("POST", "/api/v1/webhooks"),
      refused("POST", "/export"),
      refused("GET", "/api/v1/temp-contents/"),
      lost("POST", "/api/v1/apps/import"),
      lost("PUT", "/publish"),
    ];
    qoem.cloudEmulator!.faults.set(faults);
    const stops = await moveThroughFaults(qoem, "acme", "us", () => {
      expect(source.status).toBe("active");
      expect(appsOf(qoem!, source.id, "acme-production")).toEqual(sourceApps);
    });
    expect(qoem.cloudEmulator!.faults.list()).toEqual([]);
    expect(stops).toBe(faults.filter((f) => f.action === "status").length);
    const target = tenantsIn(qoem, "acme", "us");
    expect(target).toHaveLength(1);
    expect(appsOf(qoem, target[0]!.id, "acme-production")).toEqual(sourceApps);
    // Staging holds the move's copies, one of each name: the template step that runs after them adopts them instead of importing the templates beside them.
    expect(appsOf(qoem, target[0]!.id, "acme-staging")).toEqual(sourceApps);
    expect(source.status).toBe("active");
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "moving", region: "us", tenantId: target[0]!.id });
  }, 240_000);

  it("from a site: the site's export and download failing, the target's import and publish answers lost", async () => {
    qoem = await startTestQoem("move-faults-site");
    await onboardCustomer(qoem, "globex", "local");
    const before = siteContents(qoem.siteEmulator!, "globex");
    qoem.siteEmulator!.faults.set([refused("GET", "/qrs/stream/full"), lost("POST", "/export/"), refused("GET", "/qrs/download/")]);
    qoem.cloudEmulator!.faults.set([lost("POST", "/api/v1/apps/import"), lost("PUT", "/publish")]);
    // The site emulator matches the path only; the import fault may land on a template import, which adopts as well.
    const stops = await moveThroughFaults(qoem, "globex", "eu", () => expect(siteContents(qoem!.siteEmulator!, "globex")).toEqual(before));
    expect(stops).toBe(2);
    expect(qoem.siteEmulator!.faults.list()).toEqual([]);
    expect(qoem.cloudEmulator!.faults.list()).toEqual([]);
    const target = tenantsIn(qoem, "globex", "eu");
    expect(target).toHaveLength(1);
    expect(appsOf(qoem, target[0]!.id, "globex-production").map((a) => a.split(":")[0])).toEqual(["Customer Insights", "Operations Monitor", "Sales Overview"]);
    expect(siteContents(qoem.siteEmulator!, "globex")).toEqual(before);
  }, 240_000);

  it("from a shared tenant: its listing and export failing, the target's steps failing: the source and the other customer untouched", async () => {
    qoem = await startTestQoem("move-faults-shared");
    await onboardCustomer(qoem, "alpha", "shared");
    await onboardCustomer(qoem, "beta", "shared");
    const shared = qoem.cloudEmulator!.state.tenantByHost(SHARED_HOST)!;
    const sourceApps = appsOf(qoem, shared.id, "alpha-production");
    const betaApps = appsOf(qoem, shared.id, "beta-production");
    const untouched = () => {
      expect(sharedContents(qoem!.cloudEmulator!, "alpha")).toEqual(expectedSharedContents("alpha"));
      expect(appsOf(qoem!, shared.id, "alpha-production")).toEqual(sourceApps);
      expect(sharedContents(qoem!.cloudEmulator!, "beta")).toEqual(expectedSharedContents("beta"));
      expect(appsOf(qoem!, shared.id, "beta-production")).toEqual(betaApps);
    };
    const onShared = (path: string) => `${SHARED_HOST}${path}`;
    const faults = [
      refused("GET", onShared("/api/v1/spaces")),
      refused("GET", onShared("/api/v1/groups")),
      refused("GET", onShared("/api/v1/items")),
      lost("POST", "/api/v1/tenants"),
      refused("PATCH", "/api/v1/tenants/"),
      refused("POST", "/api/v1/identity-providers"),
      refused("POST", "/api/v1/spaces"),
      refused("POST", onShared("/api/v1/apps/")),
      lost("POST", onShared("/api/v1/apps/")),
      refused("GET", onShared("/api/v1/temp-contents/")),
      refused("POST", "/api/v1/apps/import"),
      lost("POST", "/api/v1/apps/import"),
      lost("PUT", "/publish"),
      refused("POST", "/api/v1/brands"),
      refused("POST", "/api/v1/webhooks"),
    ];
    qoem.cloudEmulator!.faults.set(faults);
    const stops = await moveThroughFaults(qoem, "alpha", "us", untouched);
    expect(qoem.cloudEmulator!.faults.list()).toEqual([]);
    expect(stops).toBe(faults.filter((f) => f.action === "status").length);
    const target = tenantsIn(qoem, "alpha", "us");
    expect(target).toHaveLength(1);
    expect(appsOf(qoem, target[0]!.id, "alpha-production")).toEqual(sourceApps);
    expect(appsOf(qoem, target[0]!.id, "alpha-staging")).toEqual(sourceApps);
    untouched();
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "moving", region: "us", tenantId: target[0]!.id });

    // The removal under faults: an app's delete answer lost (the queue retries), a space's delete refused (stopped, run again by hand).
    qoem.cloudEmulator!.faults.set([lost("DELETE", onShared("/api/v1/apps/")), refused("DELETE", onShared("/api/v1/spaces/"))]);
    const pending = await qoem.dispatch.approvals.pendingFor("alpha");
    const failed = await sayCommand(qoem, `approve ${pending!.id}`, "U2");
    expect(failed.outcome?.state).toBe("failed");
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "moving", region: "us" });
    expect(sharedContents(qoem.cloudEmulator!, "beta")).toEqual(expectedSharedContents("beta"));
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/2 of 9 places used/);
    const removed = await sayCommand(qoem, "move alpha us", "U3");
    expect(removed.outcome?.state, removed.text).toBe("completed");
    expect(qoem.cloudEmulator!.faults.list()).toEqual([]);
    expect(sharedContents(qoem.cloudEmulator!, "alpha")).toEqual({ spaces: [], groups: 0, staged: [], published: [], productionAssignments: [], stagingAssignments: 0 });
    expect(sharedContents(qoem.cloudEmulator!, "beta")).toEqual(expectedSharedContents("beta"));
    expect(appsOf(qoem, shared.id, "beta-production")).toEqual(betaApps);
    expect(await qoem.registry.get("alpha")).toMatchObject({ status: "active", region: "us" });
    expect((await sayCommand(qoem, "status beta")).text).toMatch(/1 of 9 places used/);
    expect(tenantsIn(qoem, "alpha", "us")).toHaveLength(1);
  }, 240_000);
});
