// A whole qoem with the embedded shared tenant: the guardrails refused in chat with the guide's reason and nothing queued, the last place claimed once, status/list/health all showing the kind, drift alerted, an approved offboard.
import { describe, expect, it } from "vitest";
import { Job } from "bullmq";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { triggerSweeps } from "../../src/queue/sweeps.ts";
import { renderFleet } from "../../src/chat/render-text.ts";
import type { SweepResult } from "../../src/core/run-sweep.ts";
import { useTestQoem } from "../support/use-test-qoem.ts";
import { requestIdOf } from "../support/say-command.ts";
import { expectedSharedContents, SHARED_HOST, sharedContents } from "../support/shared-fixture.ts";

const { start, say, status, auditOf } = useTestQoem();
const alternative = (c: string) => `/qoem onboard ${c} <region> gives ${c} its own tenant instead`;

describe("a shared tenant through the queue", () => {
  it("refuses what the guide forbids with its reason and the alternative, queuing nothing", async () => {
    const qoem = await start("shared-refusals");
    const refusals: Array<[string, RegExp]> = [
      ["onboard pd shared --personal-data", /pd is marked as holding personal data: Qlik's OEM guide allows a shared tenant only when all users are anonymous/],
      ["onboard rs shared --residency DE", /rs needs its data kept in DE: Qlik's OEM guide allows a shared tenant only for customers without data residency/],
      ['onboard tp shared --template "Sales Overview"', /--template Sales Overview differs from what every customer of shared has \(every OEM template\): Qlik's OEM guide allows a shared tenant only when every customer has identical functionality/],
      ["onboard ft shared --features automation", /--features automation differs from what every customer of shared has \(no extra features\)/],
    ];
    for (const [text, reason] of refusals) {
      const said = await say(text);
      expect(said.answer.kind, text).toBe("error");
      expect(said.text, text).toMatch(reason);
      expect(said.text, text).toContain(alternative(text.split(" ")[1]!));
    }
    // A customer the registry marks (kept from an earlier onboard, now removed) is refused without the flag.
    await qoem.registry.begin("kept", { kind: "cloud", region: "eu" }, "U1", "removed", "j-old");
    await qoem.registry.update("kept", { personalData: "yes" });
    expect((await say("onboard kept shared")).text).toMatch(/kept is marked as holding personal data/);
    expect(await qoem.operations.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });
    for (const c of ["pd", "rs", "tp", "ft"]) expect(await status(c)).toBeUndefined();
    expect((await auditOf("tp"))[0]).toMatch(/onboard tp shared templates=Sales Overview → refused/);
    // A dry run plans every step with reads only: nothing made, nothing claimed.
    const plan = await say("onboard dry shared --dry-run");
    expect(plan.outcome?.state).toBe("completed");
    const planned = (plan.outcome?.result as { plan: Array<{ id: string; action: string }> }).plan;
    expect(planned.map((p) => p.id)).toEqual(["template-check", "shared-tenant", "places", "collaboration", "identity", "group", "spaces", "templates"]);
    expect(planned.find((p) => p.id === "spaces")?.action).toBe("create");
    expect(sharedContents(qoem.cloudEmulator!, "dry")).toMatchObject({ spaces: [], groups: 0 });
    expect(await status("dry")).toBeUndefined();
  });

  it("onboards into the shared tenant, gives the last place once when two race for it, refuses the tenth, and shows the kind and places", async () => {
    // Nine customers on one host: Qlik's tier-2 limit (100 a minute per host, which the rate gate keeps) would
    // make them wait a minute; this test is about places, not pacing, so the limits are raised on both sides.
    const limits = { tier1: { max: 100_000, windowMs: 60_000 }, tier2: { max: 100_000, windowMs: 60_000 } };
    const qoem = await start("shared-places", {}, { rateLimits: limits, cloudEmulator: { rateLimits: limits } });
    const first = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];
    const done = await Promise.all(first.map((c) => say(`onboard ${c} shared`)));
    expect(done.map((d) => d.outcome?.state)).toEqual(first.map(() => "completed"));
    // Two onboards race for the ninth place: the registry's claim gives it to exactly one.
    const [a, b] = await Promise.all([dispatchCommand({ text: "onboard s9a shared", user: "U1", surface: "cli" }, qoem.dispatch), dispatchCommand({ text: "onboard s9b shared", user: "U2", surface: "cli" }, qoem.dispatch)]);
    const won = [a, b].filter((x) => x.kind === "operation");
    const lost = [a, b].filter((x) => x.kind === "error");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.kind === "error" && lost[0]!.error.reason).toMatch(/shared tenant shared already serves 9 customers: Qlik's OEM guide allows a shared tenant only for fewer than 10 customers/);
    const winner = won[0]!.kind === "operation" ? won[0]!.command : undefined;
    const ninth = winner && "customer" in winner ? String(winner.customer) : "";
    await expect.poll(() => status(ninth), { timeout: 30_000 }).toBe("active");

    const tenth = await say("onboard tenth shared");
    expect(tenth.text).toMatch(/already serves 9 customers: Qlik's OEM guide allows a shared tenant only for fewer than 10 customers; \/qoem onboard tenth <region> gives tenth its own tenant instead/);
    expect(await status("tenth")).toBeUndefined();
    expect(sharedContents(qoem.cloudEmulator!, "tenth").spaces).toEqual([]);
    for (const c of [...first, ninth]) expect(sharedContents(qoem.cloudEmulator!, c), c).toEqual(expectedSharedContents(c));
    // An own tenant is still open to it.
    expect((await say("onboard tenth eu")).outcome?.state).toBe("completed");

    expect((await say("status s1")).text).toMatch(/deployment: shared tenant shared \(9 of 9 places used\)/);
    expect((await say("status tenth")).text).toMatch(/deployment: own tenant \(Qlik Cloud, region eu\)/);
    const list = await say("list");
    const listed = renderFleet(list.outcome?.result) ?? "";
    expect(listed).toMatch(/^CUSTOMER +DEPLOYMENT +WHERE +STATUS +TENANT +HOST$/m);
    expect(listed).toMatch(/^s1 +shared tenant +shared +active/m);
    expect(listed).toMatch(/^tenth +own tenant +eu +active/m);
    expect(listed).toContain("shared tenant shared: 9 of 9 places used");
    // The shared tenant is no unknown tenant of the fleet.
    expect(listed).not.toMatch(/qoem does not know/);

    // Every place swept now (the scheduled sweep at start found nobody), then `health all` reads the verdicts.
    const ids = await triggerSweeps(qoem.sweeps, qoem.scopes);
    await Promise.all(ids.map(async (id) => (await Job.fromId(qoem.sweeps, id))?.waitUntilFinished(qoem.sweepEvents, 60_000)));
    const again = await dispatchCommand({ text: "health all", user: "U1", surface: "cli" }, qoem.dispatch);
    expect(again.kind === "fleet" && again.text).toMatch(/^ {2}shared +9 green +0 amber +0 red {2}\(shared tenant, 9 of 9 places used\)$/m);
    expect(again.kind === "fleet" && again.text).toMatch(/^ {2}eu +1 green .*\(own tenants\)$/m);
  }, 120_000);

  it("takes a shared tenant's customers into a rollout all together: naming only some is refused with the guide's reason and the way to write it", async () => {
    await start("shared-rollout");
    for (const c of ["alpha", "beta"]) expect((await say(`onboard ${c} shared`)).outcome?.state).toBe("completed");
    expect((await say("onboard gamma eu")).outcome?.state).toBe("completed");
    const named = await say('rollout "Sales Overview" --customers alpha,gamma');
    expect(named.answer.kind).toBe("error");
    expect(named.text).toContain("shared tenant shared also serves beta: Qlik's OEM guide allows a shared tenant only when every customer has identical functionality, so a rollout reaches all of a shared tenant's customers or none: name them all (--customers alpha,gamma,beta) or none of them");
    const plan = await say('rollout "Sales Overview" --dry-run --canary 1');
    expect(plan.outcome?.state).toBe("completed");
    const result = plan.outcome?.result as { wouldUpdate: string[]; waves: number[]; sharedTenants: Record<string, number>; versions: Record<string, string> };
    expect(result.wouldUpdate).toEqual(["alpha", "beta", "gamma"]);
    // The canary is one customer, but a shared tenant's customers go in one wave.
    expect(result.waves).toEqual([2, 1]);
    expect(result.sharedTenants).toEqual({ shared: 2 });
    expect(Object.keys(result.versions).sort()).toEqual(["cloud", "shared:shared"]);
    expect(plan.outcome?.progress?.summary).toContain("Shared tenant shared: its 2 customers go in one wave and share its host's limits (6 tier-2 calls and 2 reloads against 100 tier-2 calls a minute and 50 reloads a minute)");
    const all = await say('rollout "Sales Overview" --customers alpha,beta --dry-run');
    expect((all.outcome?.result as { wouldUpdate: string[] }).wouldUpdate).toEqual(["alpha", "beta"]);
    // The shared tenant lives in eu: a rollout of eu takes its customers with those in their own tenants there.
    const eu = await say('rollout "Sales Overview" --region eu --dry-run');
    expect((eu.outcome?.result as { wouldUpdate: string[] }).wouldUpdate).toEqual(["alpha", "beta", "gamma"]);
    const us = await say('rollout "Sales Overview" --region us');
    expect(us.text).toContain("the rollout would reach nobody: the scope is the active customers in region us (own tenants and shared tenants there), and there are none");
  });

  it("alerts on drift like any red, and offboards one customer after approval leaving the other whole", async () => {
    const qoem = await start("shared-drift");
    expect((await say("onboard alpha shared")).outcome?.state).toBe("completed");
    expect((await say("onboard beta shared")).outcome?.state).toBe("completed");
    const sweep = async () => {
      const [id] = await triggerSweeps(qoem.sweeps, [{ kind: "shared", tenant: "shared" }]);
      return (await (await Job.fromId(qoem.sweeps, id!))!.waitUntilFinished(qoem.sweepEvents, 30_000)) as SweepResult;
    };
    expect((await sweep()).counts).toMatchObject({ green: 2, red: 0 });
    await fetch(`${qoem.cloudEmulator!.url}/_emulator/tenants/${SHARED_HOST}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ collaboration: { notes: true } }) });
    const drifted = await sweep();
    expect(drifted.counts).toMatchObject({ red: 2 });
    expect(drifted.alerts.map((a) => `${a.customer}:${a.kind}`).sort()).toEqual(["alpha:red", "beta:red"]);
    expect(drifted.alerts[0]!.reasons).toContain("guardrail drift: notes turned back on in shared tenant shared");

    const requested = await say("offboard alpha");
    expect(requested.answer.kind === "approval" && requested.answer.approval).toMatchObject({ deployment: "place in shared tenant shared", effect: expect.stringMatching(/apps, spaces, assignments, the users of its group and the group are removed from shared tenant shared; nothing of its other customers is touched/) });
    expect((await say(`approve ${requestIdOf(requested)}`, "U2")).outcome?.state).toBe("completed");
    expect(await status("alpha")).toBe("removed");
    expect(sharedContents(qoem.cloudEmulator!, "alpha").spaces).toEqual([]);
    expect(sharedContents(qoem.cloudEmulator!, "beta")).toEqual(expectedSharedContents("beta"));
    expect((await say("status beta")).text).toMatch(/1 of 9 places used/);
    expect((await say("reactivate alpha")).text).toMatch(/alpha's place in shared tenant shared was removed and that cannot be undone; use \/qoem onboard alpha shared/);
  });

  it("stops an onboard whose setting the API cannot change with what an admin must do, and resumes once the admin did it", async () => {
    const qoem = await start("shared-admin");
    const knob = (body: object) => fetch(`${qoem.cloudEmulator!.url}/_emulator/tenants/${SHARED_HOST}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await knob({ collaboration: { notesLocked: true } });
    const stopped = await say("onboard locked shared");
    expect(stopped.outcome?.state).toBe("failed");
    expect(await status("locked")).toBe("onboard-failed");
    expect((await qoem.registry.get("locked"))?.lastError).toMatch(/could not turn off notes .*a tenant admin must turn it off in the Management Console \(Settings > Feature control > Notes\), then send the onboard again/);
    expect(sharedContents(qoem.cloudEmulator!, "locked").groups).toBe(0);
    // The admin turned notes off in the console: the same onboard resumes and completes.
    await knob({ collaboration: { notesLocked: false, notes: false } });
    expect((await say("onboard locked shared")).outcome?.state).toBe("completed");
    expect(sharedContents(qoem.cloudEmulator!, "locked")).toEqual(expectedSharedContents("locked"));
  });

  it("retries an onboard whose calls fail or lose their answers, and ends with exactly one of everything", async () => {
    const qoem = await start("shared-faults");
    qoem.cloudEmulator!.faults.set([
      { method: "POST", path: `${SHARED_HOST}/api/v1/groups`, action: "drop-after", times: 1 },
      { method: "POST", path: `${SHARED_HOST}/api/v1/spaces`, action: "status", status: 503, times: 1 },
      { method: "POST", path: `${SHARED_HOST}/api/v1/apps/import`, action: "drop-after", times: 1 },
    ]);
    const said = await say("onboard flaky shared");
    expect(said.outcome?.state).toBe("completed");
    expect(qoem.cloudEmulator!.faults.list()).toEqual([]);
    expect(sharedContents(qoem.cloudEmulator!, "flaky")).toEqual(expectedSharedContents("flaky"));
    expect((await qoem.operations.getJob("onboard.flaky.shared"))!.attemptsMade).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
