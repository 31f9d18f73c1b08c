// One command set for both kinds: the same onboard, health, status and approved offboard, through
// the queue, on the embedded client-managed site `local`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { expectedSite, siteContents } from "../support/site-fixture.ts";

let qoem: TestQoem;
beforeAll(async () => {
  qoem = await startTestQoem("site-queue");
});
afterAll(() => qoem?.stop());

async function say(text: string, user = "alice") {
  const answer = await dispatchCommand({ text, user, surface: "shell" }, qoem.dispatch);
  const jobId = answer.kind === "operation" ? answer.jobId : answer.kind === "decision" ? answer.jobId : undefined;
  const outcome = jobId ? await followJob(qoem.events, qoem.operations, jobId, () => undefined) : undefined;
  return { answer, outcome };
}

describe("client-managed customers through the queue", () => {
  it("onboards, checks, shows and offboards (after approval) a customer on site local", async () => {
    const onboard = await say("onboard globex local");
    expect(onboard.outcome?.state).toBe("completed");
    expect(onboard.outcome?.progress?.steps.map((s) => s.title)).toEqual(["Check app templates", "Tag the customer", "Create stream", "Restrict the stream to the customer", "Deploy app templates", "Set up embedded access (JWT virtual proxy)"]);
    await say("onboard initech local");
    expect(siteContents(qoem.siteEmulator!, "globex")).toEqual(expectedSite("globex"));
    expect(await qoem.registry.get("globex")).toMatchObject({ kind: "client-managed", site: "local", status: "active" });

    const health = await say("health globex");
    expect(health.outcome?.result).toMatchObject({ verdict: "green" });

    const refused = await say("onboard hooli local --features reporting");
    expect(refused.answer).toMatchObject({ kind: "error", error: { reason: expect.stringMatching(/only offered by Qlik Cloud/) } });
    expect(await qoem.operations.getJobCounts("waiting", "active")).toEqual({ waiting: 0, active: 0 });

    const request = await say("offboard globex");
    if (request.answer.kind !== "approval") throw new Error(JSON.stringify(request.answer));
    expect(request.answer.approval.effect).toMatch(/apps, stream, security rules and tag are removed from site local/);
    const self = await say(`approve ${request.answer.approval.id}`);
    expect(self.answer).toMatchObject({ kind: "decision", decision: { ok: false, code: "self" } });
    const approved = await say(`approve ${request.answer.approval.id}`, "bob");
    expect(approved.outcome?.state).toBe("completed");
    expect(await qoem.registry.get("globex")).toMatchObject({ status: "removed" });
    expect(siteContents(qoem.siteEmulator!, "globex").streams).toBe(0);
    expect(siteContents(qoem.siteEmulator!, "initech")).toEqual(expectedSite("initech"));
  });
});
