// Issue "no dead ends": each case a user once got stuck in, driven through the product's own dispatch, queue, worker and runner.
import { describe, expect, it } from "vitest";
import { startTestQoem } from "../support/start-test-qoem.ts";
import { useTestQoem } from "../support/use-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { requestIdOf } from "../support/say-command.ts";
import { enqueueOperation } from "../../src/queue/enqueue-operation.ts";

const { start, say, status, auditOf } = useTestQoem();

describe("a failed onboard has a way out", () => {
  it("runs a repeated onboard with the options given now, not the failed job's", async () => {
    const qoem = await start("dead-ends-options");
    const bad = await say('onboard delta eu --template "Nope Template"');
    expect(bad.outcome?.state).toBe("failed");
    expect(bad.outcome?.progress?.note).toMatch(/Nope Template/);
    expect(await status("delta")).toBe("onboard-failed");
    // Checked before any tenant is made.
    expect(tenantsNamed(qoem.cloudEmulator!, "delta")).toHaveLength(0);
    const good = await say("onboard delta eu");
    expect(good.text).toMatch(/Resuming the failed onboard delta → eu with the options given now/);
    expect(good.outcome?.state).toBe("completed");
    expect(await status("delta")).toBe("active");
    expect(tenantsNamed(qoem.cloudEmulator!, "delta")).toHaveLength(1);
  });

  it("forgets unlicensed --features on the next onboard, and frees a customer whose failed onboard made nothing", async () => {
    const qoem = await start("dead-ends-features");
    const bad = await say("onboard omega eu --features direct-query");
    expect(bad.outcome?.state).toBe("failed");
    expect(bad.outcome?.progress?.note).toMatch(/cannot verify direct-query from the licence/);
    const elsewhere = await say("onboard omega us");
    expect(elsewhere.answer.kind).toBe("error");
    expect(elsewhere.text).toMatch(/already has an environment on eu .*\/qoem abandon omega/);
    const offboard = await say("offboard omega");
    expect(offboard.answer.kind).toBe("error");
    expect(offboard.text).toMatch(/omega is onboard-failed .*use \/qoem onboard omega eu or \/qoem abandon omega/);
    const abandoned = await say("abandon omega");
    expect(abandoned.text).toMatch(/abandoned: it had made nothing/);
    expect(await status("omega")).toBe("removed");
    const us = await say("onboard omega us");
    expect(us.outcome?.state).toBe("completed");
    expect(await qoem.registry.get("omega")).toMatchObject({ status: "active", region: "us" });
  });

  it("abandons an onboard that made a tenant only after approval, and a new onboard brings that tenant back", async () => {
    const qoem = await start("dead-ends-abandon");
    qoem.cloudEmulator!.faults.set([{ method: "POST", path: "/api/v1/webhooks", action: "status", status: 403, times: 1 }]);
    const failed = await say("onboard kappa eu");
    expect(failed.outcome?.state).toBe("failed");
    expect(failed.outcome?.progress?.note).toMatch(/Set up monitoring/);
    expect(await status("kappa")).toBe("onboard-failed");
    const request = await say("abandon kappa");
    const id = requestIdOf(request);
    expect(await status("kappa")).toBe("abandon-pending");
    expect((await say(`approve ${id}`)).text).toMatch(/someone else must approve/);
    const approved = await say(`approve ${id}`, "U2");
    expect(approved.outcome?.state).toBe("completed");
    expect(await status("kappa")).toBe("removed");
    expect(tenantsNamed(qoem.cloudEmulator!, "kappa")[0]!.status).toBe("disabled");
    const again = await say("onboard kappa eu");
    expect(again.outcome?.state).toBe("completed");
    expect(tenantsNamed(qoem.cloudEmulator!, "kappa")).toHaveLength(1);
    expect(tenantsNamed(qoem.cloudEmulator!, "kappa")[0]!.status).toBe("active");
    expect(await status("kappa")).toBe("active");
    expect(await auditOf("kappa")).toEqual(expect.arrayContaining(["abandon run → completed", "onboard run → failed", "onboard run → completed"]));
  });

  it("refuses to onboard a deactivated customer and names reactivate, changing nothing", async () => {
    const qoem = await start("dead-ends-deactivated");
    await say("onboard acme eu");
    const id = requestIdOf(await say("offboard acme"));
    expect((await say(`approve ${id}`, "U2")).outcome?.state).toBe("completed");
    expect(await status("acme")).toBe("deactivated");
    const again = await say("onboard acme eu");
    expect(again.answer.kind).toBe("error");
    expect(again.text).toMatch(/acme is deactivated .*use \/qoem reactivate acme/);
    expect(await status("acme")).toBe("deactivated");
    expect((await say("reactivate acme")).outcome?.state).toBe("completed");
    expect(await status("acme")).toBe("active");
  });

  it("says which commands lead on from every status it shows", async () => {
    const qoem = await start("dead-ends-status");
    await say("onboard acme eu");
    expect((await say("status acme")).text).toMatch(/what you can do now: \/qoem onboard acme eu, \/qoem offboard acme/);
    const id = requestIdOf(await say("offboard acme"));
    expect((await say("status acme")).text).toMatch(new RegExp(`what you can do now: /qoem approve ${id}, /qoem reject ${id}`));
    await say(`reject ${id} not yet`, "U2");
    expect(await status("acme")).toBe("active");
  });
});

describe("checks before anything is made", () => {
  it("fails a dry run that asks for an unlicensed feature or a missing template, saying why, and records nothing", async () => {
    const qoem = await start("dead-ends-dry-run");
    const tenants = qoem.cloudEmulator!.state.tenants.size;
    const features = await say("onboard sigma eu --features direct-query --dry-run");
    expect(features.outcome?.state).toBe("failed");
    expect(features.outcome?.error).toMatch(/cannot verify direct-query from the licence/);
    const template = await say('onboard sigma eu --template "Nope Template" --dry-run');
    expect(template.outcome?.state).toBe("failed");
    expect(template.outcome?.error).toMatch(/template 'Nope Template' is not in the source tenant/);
    const fine = await say("onboard sigma eu --features alerting --dry-run");
    expect(fine.outcome?.state).toBe("completed");
    expect(await qoem.registry.get("sigma")).toBeUndefined();
    expect(qoem.cloudEmulator!.state.tenants.size).toBe(tenants);
  });
});

describe("health compares against what the customer was given", () => {
  it("stays green for a customer given one template", async () => {
    const qoem = await start("dead-ends-health");
    expect((await say('onboard acme eu --template "Sales Overview"')).outcome?.state).toBe("completed");
    const health = await say("health acme");
    expect(health.outcome?.result).toMatchObject({ verdict: "green", reasons: [] });
    expect((await say("status acme")).text).toMatch(/templates: Sales Overview/);
  });
});

describe("a repeat right after the previous run", () => {
  it("runs each of deactivate, reactivate, deactivate, reactivate within seconds, with no stale claim", async () => {
    const qoem = await start("dead-ends-repeat");
    await say("onboard acme eu");
    for (let round = 0; round < 2; round++) {
      const id = requestIdOf(await say("offboard acme"));
      expect((await say(`approve ${id}`, "U2")).outcome?.state).toBe("completed");
      expect(await status("acme")).toBe("deactivated");
      const reactivated = await say("reactivate acme");
      expect(reactivated.answer).toMatchObject({ kind: "operation", disposition: "queued" });
      expect(reactivated.outcome?.state).toBe("completed");
      expect(await status("acme")).toBe("active");
    }
  });
});

describe("one failure path", () => {
  it("reports a failure that is no adapter error as failed (not retrying), and the registry and audit agree", async () => {
    const qoem = await start("dead-ends-uncoded");
    // An onboard for a site that no config names reaches the worker (the parser would refuse it; a job queued before a config change would not).
    const command = { name: "onboard" as const, customer: "ghost", target: { kind: "client-managed" as const, site: "gone" }, templates: [], features: [], dryRun: false };
    await qoem.registry.claim("ghost", command.target, "U1", "onboard.ghost.gone", { templates: [], features: [] });
    const { jobId } = await enqueueOperation(qoem.operations, qoem.redis, { requestId: "r1", operation: "onboard", command, requestedBy: { user: "U1", surface: "cli" }, requestedAt: new Date().toISOString() });
    const { followJob } = await import("../../src/queue/follow-job.ts");
    const outcome = await followJob(qoem.events, qoem.operations, jobId, () => undefined, { timeoutMs: 30_000 });
    expect(outcome.state).toBe("failed");
    expect(outcome.progress?.phase).toBe("failed");
    expect(outcome.progress?.note).not.toMatch(/retrying/);
    expect((await qoem.operations.getJob(jobId))!.attemptsMade).toBe(1);
    expect(await qoem.registry.get("ghost")).toMatchObject({ status: "onboard-failed", lastError: expect.stringMatching(/gone/) });
    expect(await auditOf("ghost")).toContain("onboard run → failed");
    expect((await say("abandon ghost")).text).toMatch(/abandoned/);
  });
});

describe("approvals decided in core, in any role", () => {
  it("expires a request in a process without the chat role, and the status goes back", async () => {
    // This process would expire requests only hourly; the worker-only one below every 100 ms.
    const qoem = await start("dead-ends-expiry", {}, { approvalExpiryEveryMs: 3_600_000 });
    await say("onboard acme eu");
    const id = requestIdOf(await say("offboard acme"));
    expect(await status("acme")).toBe("offboard-pending");
    const workerOnly = await startTestQoem("dead-ends-expiry-worker", { QOEM_PREFIX: qoem.prefix, QOEM_ROLES: "worker" }, { approvalExpiryEveryMs: 100 });
    try {
      await qoem.redis.hset(qoem.keys.approval(id), "expiresAt", String(Date.now() - 1));
      await qoem.redis.zadd(qoem.keys.approvalsPending(), Date.now() - 1, id);
      await expect.poll(() => status("acme"), { timeout: 10_000 }).toBe("active");
      expect((await workerOnly.dispatch.approvals.get(id))!.status).toBe("expired");
    } finally {
      await workerOnly.close();
    }
  });
});
