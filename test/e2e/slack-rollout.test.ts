// A rollout from Slack over real sockets: the signed slash command, the approval request with its buttons, a signed Approve click, and the rollout's progress as one message edited in place in the requester's thread.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../support/fake-slack.ts";
import { buttonClick, postInteraction, postSigned, slashCommandBody } from "../support/slack-requests.ts";
import type { TestQoem } from "../support/start-test-qoem.ts";
import { startSlackQoem } from "../support/start-slack-qoem.ts";
import { newCloudVersion } from "../support/rollout-fixture.ts";

const SECRET = "rollout-secret";
const ENGINEER = "U0ENGINEER";
const APPROVER = "U0APPROVER";
let slack: FakeSlack;
let qoem: TestQoem;
let url: string;
let n = 0;

const slash = (text: string, user: string) => postSigned(url, SECRET, slashCommandBody(text, { user, responseUrl: slack.responseUrl(`cmd-${n++}`) }));
const textOf = (body: Record<string, unknown>) => `${String(body.text ?? "")} ${JSON.stringify(body.blocks ?? "")}`;

beforeAll(async () => {
  ({ slack, qoem, url } = await startSlackQoem("slack-rollout", { secret: SECRET, engineer: ENGINEER, approver: APPROVER }));
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

describe("a rollout from Slack", () => {
  it("asks an approver, runs once approved, and edits one progress message in place until the summary", async () => {
    for (const c of ["sl-a", "sl-b", "sl-c"]) {
      await slash(`onboard ${c} eu`, ENGINEER);
      await slack.waitFor((calls) => calls.some((x) => x.method === "chat.postMessage" && String(x.body.text).includes(`${c} is onboarded`)), 30_000);
    }
    newCloudVersion(qoem.cloudEmulator!, "Sales Overview", "QVF v2 from Slack\n");
    const res = await slash('rollout "Sales Overview" --region eu --canary 1', ENGINEER);
    expect(res.status).toBe(200);
    expect(await slack.answerTo(`cmd-${n - 1}`)).toMatch(/Rollout ro[a-z0-9]{8} of "Sales Overview" requested: 3 customers in 3 waves/);
    const posted = () => slack.calls.filter((c) => c.method === "chat.postMessage");
    await slack.waitFor(() => posted().some((c) => c.body.channel === "C0APPROVALS" && String(c.body.text).includes("Rollout of")));
    const request = posted().find((c) => c.body.channel === "C0APPROVALS" && String(c.body.text).includes("Rollout of"))!;
    expect(String(request.body.text)).toMatch(/^Rollout of "Sales Overview" \(rollout ro[a-z0-9]{8}\) requested by U0ENGINEER: approval r[a-z0-9]{10} pending$/);
    expect(textOf(request.body)).toContain("*Rollout requested* for");
    expect(textOf(request.body)).toContain("3 customers: the active customers in region eu");
    const approvalId = /approval (r[a-z0-9]{10})/.exec(String(request.body.text))![1]!;
    // Where the requester's thread shows progress, as the approval recorded it when it posted the thread.
    await expect.poll(async () => (await qoem.dispatch.approvals.get(approvalId))?.replyProgressTs).toBeDefined();
    const progressTs = (await qoem.dispatch.approvals.get(approvalId))!.replyProgressTs!;

    const click = await postInteraction(url, SECRET, buttonClick("qoem_approve", approvalId, APPROVER, slack.responseUrl("approve"), { channel: "C0APPROVALS", ts: `${1_700_000_000 + posted().indexOf(request)}.000100` }));
    expect(click.status).toBe(200);
    const isSummary = (c: { method: string; body: Record<string, unknown> }) => c.method === "chat.postMessage" && /^✅ Rollout ro[a-z0-9]{8} of "Sales Overview": completed/.test(String(c.body.text));
    await slack.waitFor((calls) => calls.some(isSummary), 60_000);
    // The thread's edit that follows the summary is the parent's mark; the progress message's last edit came before it.
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && String(c.body.text).includes("*: done ✅") && String(c.body.text).includes("rollout ro")), 15_000);
    const edits = slack.calls.filter((c) => c.method === "chat.update" && c.body.ts === progressTs);
    // One message, edited in place: wave lines while it runs, then the summary.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(textOf(edits.at(-1)!.body)).toMatch(/Wave 3 \(25%, 1 customers\): 1\/1 done: 1 updated/);
    const summary = posted().find(isSummary)!;
    expect(String(summary.body.text)).toMatch(/Rollout ro[a-z0-9]{8} of "Sales Overview": completed\. 3 updated/);
  }, 120_000);
});
