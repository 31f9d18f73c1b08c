// The queue with a real Redis and the emulator: collapsing repeats, the per-customer lock,
// retries that resume from the checkpoint, rate limits that pause the queue, final failures.
import { afterEach, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { CustomerLock } from "../../src/core/customer-lock.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";

let qoem: TestQoem | undefined;
afterEach(async () => {
  await qoem?.stop();
  qoem = undefined;
});

const run = async (q: TestQoem, text: string, user = "U1") => {
  const answer = await dispatchCommand({ text, user, surface: "cli" }, q.dispatch);
  if (answer.kind !== "operation") throw new Error(`not an operation: ${JSON.stringify(answer)}`);
  return answer;
};

describe("operations queue", () => {
  it("collapses concurrent repeats of one onboard into one job and one tenant", async () => {
    qoem = await startTestQoem("collapse");
    const answers = await Promise.all(Array.from({ length: 10 }, () => run(qoem!, "onboard acme eu")));
    expect(new Set(answers.map((a) => a.jobId))).toEqual(new Set(["onboard.acme.eu"]));
    expect(answers.filter((a) => a.disposition === "queued")).toHaveLength(1);
    const outcome = await followJob(qoem.events, qoem.operations, "onboard.acme.eu", () => undefined);
    expect(outcome.state).toBe("completed");
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
    expect((await run(qoem, "onboard acme eu")).disposition).toBe("done");
  });

  it("waits for the customer's lock while another operation holds it", async () => {
    qoem = await startTestQoem("lock");
    const lock = new CustomerLock(qoem.redis, qoem.keys, 5000);
    const held = await lock.acquire("acme", "someone-else");
    expect(held).toBeDefined();
    const answer = await run(qoem, "onboard acme eu");
    const notes: string[] = [];
    const follow = followJob(qoem.events, qoem.operations, answer.jobId, (p) => p.note && notes.push(p.note));
    await new Promise((r) => setTimeout(r, 600));
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(0);
    await held!.release();
    expect((await follow).state).toBe("completed");
    expect(notes.some((n) => /another operation on acme/.test(n))).toBe(true);
    expect(await lock.holder("acme")).toBeNull();
  });

  it("retries a transient failure and resumes from the finished steps, ending with one tenant", async () => {
    qoem = await startTestQoem("resume");
    // The first read of the tenant by id happens in the second step, after the first has finished.
    qoem.cloudEmulator!.faults.set([{ method: "GET", path: "/api\\/v1\\/tenants\\/[A-Za-z0-9]{32}$/", action: "status", status: 503, times: 2 }]);
    const answer = await run(qoem, "onboard acme eu");
    const phases: string[] = [];
    const outcome = await followJob(qoem.events, qoem.operations, answer.jobId, (p) => phases.push(p.phase));
    expect(outcome.state).toBe("completed");
    expect(phases).toContain("retrying");
    expect(outcome.progress!.steps.find((s) => s.id === "tenant")!.resumed).toBe(true);
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "active", hostname: "acme.eu.qlikcloud.com" });
  });

  it("pauses the whole queue on a 429 without spending an attempt", async () => {
    qoem = await startTestQoem("ratelimit");
    qoem.cloudEmulator!.faults.set([{ method: "POST", path: "/api/v1/tenants", action: "rate-limit", retryAfterSeconds: 1, times: 3 }]);
    const answers = await Promise.all(["acme", "globex", "initech"].map((c) => run(qoem!, `onboard ${c} eu`)));
    const outcomes = await Promise.all(answers.map((a) => followJob(qoem!.events, qoem!.operations, a.jobId, () => undefined)));
    expect(outcomes.map((o) => o.state)).toEqual(["completed", "completed", "completed"]);
    for (const c of ["acme", "globex", "initech"]) expect(tenantsNamed(qoem.cloudEmulator!, c)).toHaveLength(1);
    const job = await qoem.operations.getJob("onboard.acme.eu");
    expect(job!.attemptsMade).toBeLessThanOrEqual(1);
  });

  it("fails at once on a permanent error, says which step and what to do, and resumes when asked again", async () => {
    qoem = await startTestQoem("fail");
    qoem.cloudEmulator!.faults.set([{ method: "PATCH", action: "status", status: 403, times: 1 }]);
    const answer = await run(qoem, "onboard acme eu");
    const outcome = await followJob(qoem.events, qoem.operations, answer.jobId, () => undefined);
    expect(outcome.state).toBe("failed");
    expect(outcome.progress).toMatchObject({ phase: "failed" });
    expect(outcome.progress!.note).toMatch(/Step "Create tenant" failed: .*send \/qoem onboard acme eu again .*to resume/);
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "onboard-failed" });
    const again = await run(qoem, "onboard acme eu");
    expect(again.disposition).toBe("resumed");
    expect((await followJob(qoem.events, qoem.operations, again.jobId, () => undefined)).state).toBe("completed");
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
  });

  it("runs a dry run with reads only and records nothing", async () => {
    qoem = await startTestQoem("plan");
    const before = qoem.cloudEmulator!.state.tenants.size;
    const answer = await run(qoem, "onboard acme eu --dry-run");
    const outcome = await followJob(qoem.events, qoem.operations, answer.jobId, () => undefined);
    expect(outcome.state).toBe("completed");
    expect(outcome.progress!.steps.map((s) => s.outcome)).toEqual(["none", "create", "update", "update", "create", "create", "create", "create", "create"]);
    expect(qoem.cloudEmulator!.state.tenants.size).toBe(before);
    expect(await qoem.registry.get("acme")).toBeUndefined();
  });
});
