// Edges of the lifecycle a review found: each was a dead end, a lie or a late write before its fix.
import { describe, expect, it } from "vitest";
import { useTestQoem } from "../support/use-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { requestIdOf } from "../support/say-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { currentFence } from "../../src/core/execution-fence.ts";
import { environmentOf } from "../../src/core/customer-environment.ts";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import type { CustomerRegistry } from "../../src/core/customer-registry.ts";

const { start, say, status, auditOf } = useTestQoem();

describe("lifecycle edges", () => {
  it("asks for approval to abandon a failed re-onboard of a site customer, whose content is live", async () => {
    const qoem = await start("edges-site-abandon");
    expect((await say("onboard zed local")).outcome?.state).toBe("completed");
    const streams = () => [...qoem.siteEmulator!.state.streams.values()].filter((s) => s.name === "zed");
    expect((await say('onboard zed local --template "Nope Template"')).outcome?.state).toBe("failed");
    expect(await status("zed")).toBe("onboard-failed");
    const abandoned = await say("abandon zed");
    expect(abandoned.answer.kind).toBe("approval");
    expect(await status("zed")).toBe("abandon-pending");
    expect(streams()).toHaveLength(1);
    expect((await say(`approve ${requestIdOf(abandoned)}`, "U2")).outcome?.state).toBe("completed");
    expect(await status("zed")).toBe("removed");
    expect(streams()).toHaveLength(0);
  });

  it("frees a deactivated customer whose tenant Qlik has purged, when reactivate finds it gone", async () => {
    const qoem = await start("edges-purged");
    expect((await say("onboard acme eu")).outcome?.state).toBe("completed");
    const id = requestIdOf(await say("offboard acme --purge-after 10"));
    expect((await say(`approve ${id}`, "U2")).outcome?.state).toBe("completed");
    expect(await status("acme")).toBe("deactivated");
    tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.estimatedPurgeDate = new Date(Date.now() - 1_000).toISOString();
    const reactivated = await say("reactivate acme");
    expect(reactivated.outcome?.state).toBe("completed");
    expect(reactivated.outcome?.result).toMatchObject({ status: "removed", detail: expect.stringMatching(/purged.*may be onboarded again/) });
    expect(await status("acme")).toBe("removed");
    expect((await say("onboard acme eu")).outcome?.state).toBe("completed");
    expect(await status("acme")).toBe("active");
  });

  it("completes quietly when BullMQ runs a finished onboard again (its worker died before BullMQ heard)", async () => {
    const qoem = await start("edges-rerun");
    expect((await say("onboard acme eu")).outcome?.state).toBe("completed");
    const job = (await qoem.operations.getJob("onboard.acme.eu"))!;
    await job.retry("completed");
    const again = await followJob(qoem.events, qoem.operations, "onboard.acme.eu", () => undefined, { timeoutMs: 30_000 });
    expect(again.state).toBe("completed");
    expect(await status("acme")).toBe("active");
    expect(await auditOf("acme")).not.toContain("onboard run → failed");
  });

  it("sends nothing more to a client-managed site from a superseded execution, as to Qlik Cloud", async () => {
    const qoem = await start("edges-site-fence");
    expect((await say("onboard zed local")).outcome?.state).toBe("completed");
    expect((await say("onboard acme eu")).outcome?.state).toBe("completed");
    // A fence that no longer holds: its customer lock now belongs to someone else.
    const broken = { checks: [{ key: qoem.keys.lock("whoever"), value: "1:an-execution-long-gone" }] };
    const acme = (await qoem.registry.get("acme"))!;
    await expect(currentFence.run(broken, () => qoem.adapters.adapterFor({ kind: "cloud", region: "eu" }).offboard(environmentOf(acme), { purgeAfterDays: 30 }))).rejects.toMatchObject({ code: "superseded" });
    const zed = (await qoem.registry.get("zed"))!;
    await expect(currentFence.run(broken, () => qoem.adapters.adapterFor({ kind: "client-managed", site: "local" }).offboard(environmentOf(zed), { purgeAfterDays: 30 }))).rejects.toMatchObject({ code: "superseded" });
    expect([...qoem.siteEmulator!.state.streams.values()].filter((s) => s.name === "zed")).toHaveLength(1);
  });

  it("refuses to free a customer whose onboard was resent while the abandon was being decided", async () => {
    const qoem = await start("edges-abandon-race");
    expect((await say("onboard omega eu --features direct-query")).outcome?.state).toBe("failed");
    qoem.cloudEmulator!.faults.set([{ action: "latency", latencyMs: 100 }]);
    const q = qoem;
    // The interleaving: abandon has read "onboard-failed" and found nothing made; before its write, another user resends the onboard.
    const registry = new Proxy(q.registry, {
      get(target, prop, receiver) {
        if (prop !== "update") return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<CustomerRegistry["update"]>) => {
          if (args[1].status === "removed") {
            const resent = await dispatchCommand({ text: "onboard omega eu", user: "U7", surface: "cli" }, q.dispatch);
            expect(resent).toMatchObject({ kind: "operation", disposition: "resumed" });
          }
          return target.update(...args);
        };
      },
    });
    const abandoned = await dispatchCommand({ text: "abandon omega", user: "U1", surface: "cli" }, { ...q.dispatch, registry });
    expect(abandoned).toMatchObject({ kind: "error", error: { reason: expect.stringMatching(/changed while it was being abandoned .*nothing was abandoned/) } });
    expect((await followJob(q.events, q.operations, "onboard.omega.eu", () => undefined, { timeoutMs: 60_000 })).state).toBe("completed");
    const record = (await q.registry.get("omega"))!;
    expect(record).toMatchObject({ status: "active", region: "eu" });
    expect(tenantsNamed(q.cloudEmulator!, "omega").map((t) => `${t.id}:${t.status}`)).toEqual([`${record.tenantId}:active`]);
  });
});
