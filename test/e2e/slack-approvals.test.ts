// Offboard approvals over real sockets: signed slash commands and signed button clicks and modal
// submissions through Bolt's HTTP receiver, a fake Slack, the queue and the Qlik Cloud emulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { buttonClick, postInteraction, postSigned, rejectSubmission, slashCommandBody } from "../support/slack-requests.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";

const SECRET = "approvals-secret";
const ENGINEER = "U0ENGINEER";
const BOTH = "U0BOTH"; // engineer and approver
const APPROVER = "U0APPROVER";
const APPROVER2 = "U0APPROVER2";
const ONCALL = "U0ONCALL";
let slack: FakeSlack;
let qoem: TestQoem;
let url: string;
let n = 0;

const slash = (text: string, user: string) => postSigned(url, SECRET, slashCommandBody(text, { user, responseUrl: slack.responseUrl(`cmd-${n++}`) }));
/** Sends a command and returns its answer, which follows the ack at the command's response_url. */
async function answerOf(text: string, user: string): Promise<string> {
  const res = await slash(text, user);
  expect(res.status).toBe(200);
  await res.text();
  return slack.answerTo(`cmd-${n - 1}`);
}

async function onboard(customer: string) {
  await slash(`onboard ${customer} eu`, ENGINEER);
  await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes(`${customer} is onboarded`)), 20_000);
}

/** Asks for an offboard and returns the approval id and where its request message is. */
async function requestOffboard(customer: string, user: string) {
  const requests = () => slack.calls.filter((c) => c.method === "chat.postMessage" && c.body.channel === "C0APPROVALS" && String(c.body.text).includes(`Offboard of ${customer}`));
  const before = requests().length;
  expect(await answerOf(`offboard ${customer} --purge-after 15`, user)).toMatch(/approval r[a-z0-9]{10} is pending/);
  await slack.waitFor(() => requests().length > before);
  const post = requests().at(-1)!;
  const id = /approval (r[a-z0-9]{10})/.exec(String(post.body.text))![1]!;
  const ts = slack.calls.filter((c) => c.method === "chat.postMessage").indexOf(post);
  return { id, message: { channel: "C0APPROVALS", ts: `${1_700_000_000 + ts}.000100` } };
}

beforeAll(async () => {
  slack = await startFakeSlack();
  qoem = await startTestQoem("approvals", {
    SLACK_BOT_TOKEN: "xoxb-approvals",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    QOEM_ENGINEERS: `${ENGINEER},${BOTH}`,
    QOEM_APPROVERS: `${APPROVER},${APPROVER2},${BOTH}`,
    QOEM_ONCALL: ONCALL,
    QOEM_APPROVALS_CHANNEL: "C0APPROVALS",
  });
  url = `http://127.0.0.1:${qoem.slackPort}/slack/events`;
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

const click = (action: "qoem_approve" | "qoem_reject", id: string, user: string, message: { channel: string; ts: string }, responseId: string) =>
  postInteraction(url, SECRET, buttonClick(action, id, user, slack.responseUrl(responseId), message));

describe("offboard approvals", () => {
  it("refuses commands to users without the role, saying which role", async () => {
    expect(await answerOf("onboard hooli eu", ONCALL)).toMatch(/needs the engineer role/);
    expect(await answerOf("health acme", ENGINEER)).toMatch(/needs the on-call role/);
    expect(await qoem.registry.get("hooli")).toBeUndefined();
  });

  it("posts the request with who, what and buttons, and refuses self-approval and non-approvers", async () => {
    await onboard("acme");
    const { id, message } = await requestOffboard("acme", BOTH);
    const request = slack.calls.find((c) => c.method === "chat.postMessage" && c.body.channel === "C0APPROVALS")!;
    const blocks = JSON.stringify(request.body.blocks);
    expect(blocks).toContain("<@U0BOTH>");
    expect(blocks).toMatch(/Qlik Cloud tenant \w+ \(acme\.eu\.qlikcloud\.com\) in region eu/);
    expect(blocks).toMatch(/deactivated now and purged after 15 days/);
    expect(blocks).toContain('"action_id":"qoem_approve"');
    expect(blocks).toContain('"confirm"');
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "offboard-pending" });

    expect((await click("qoem_approve", id, BOTH, message, "self")).status).toBe(200);
    expect((await click("qoem_approve", id, ENGINEER, message, "stranger")).status).toBe(200);
    await slack.waitFor((calls) => calls.filter((c) => c.method === "response_url" && /cannot approve/.test(String(c.body.text))).length >= 2);
    const refusals = slack.calls.filter((c) => c.method === "response_url" && /cannot approve/.test(String(c.body.text))).map((c) => String(c.body.text));
    expect(refusals.some((t) => /four eyes/.test(t))).toBe(true);
    expect(refusals.some((t) => /needs the approver role/.test(t))).toBe(true);
    expect((await qoem.dispatch.approvals.get(id))!.status).toBe("pending");
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.status).toBe("active");
  });

  it("turns twenty concurrent Approve clicks into one offboard job", async () => {
    const pending = (await qoem.dispatch.approvals.pendingFor("acme"))!;
    const { id, message } = { id: pending.id, message: { channel: pending.requestChannel!, ts: pending.requestTs! } };
    const clicks = Array.from({ length: 20 }, (_, i) => click("qoem_approve", id, i % 2 ? APPROVER : APPROVER2, message, `race-${i}`));
    expect((await Promise.all(clicks)).map((r) => r.status)).toEqual(Array(20).fill(200));
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && JSON.stringify(c.body.blocks ?? "").includes("Approved by")));
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && /deactivated; purge after 15 days/.test(String(c.body.text))), 20_000);
    const jobs = await qoem.operations.getJobs(["completed", "active", "waiting", "delayed", "failed"]);
    expect(jobs.filter((j) => j.name === "offboard")).toHaveLength(1);
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.status).toBe("disabled");
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "deactivated", purgeDate: expect.any(String) });
    const approval = (await qoem.dispatch.approvals.get(id))!;
    expect(approval).toMatchObject({ status: "approved", decidedBy: expect.stringMatching(/^U0APPROVER2?$/) });
    await slack.waitFor((calls) => calls.filter((c) => c.method === "response_url" && /already approved/.test(String(c.body.text))).length === 19);
  });

  it("refuses a click on an expired request and says so", async () => {
    await onboard("globex");
    const { id, message } = await requestOffboard("globex", ENGINEER);
    await qoem.redis.hset(qoem.keys.approval(id), "expiresAt", String(Date.now() - 1000));
    await click("qoem_approve", id, APPROVER, message, "late");
    await slack.waitFor((calls) => calls.some((c) => c.method === "response_url" && /expired at/.test(String(c.body.text))));
    expect((await qoem.dispatch.approvals.get(id))!.status).toBe("expired");
    expect(await qoem.registry.get("globex")).toMatchObject({ status: "active" });
    expect(tenantsNamed(qoem.cloudEmulator!, "globex")[0]!.status).toBe("active");
  });

  it("records a rejection with its reason, and removes nothing", async () => {
    const { id, message } = await requestOffboard("globex", ENGINEER);
    expect((await click("qoem_reject", id, APPROVER, message, "reject")).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    expect(JSON.stringify(slack.callsOf("views.open").at(-1)!.body.view)).toContain(id);
    const submitted = await postInteraction(url, SECRET, rejectSubmission(APPROVER, id, "customer renewed their contract"));
    expect(submitted.status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && JSON.stringify(c.body.blocks ?? "").includes("Rejected by")));
    expect(await qoem.dispatch.approvals.get(id)).toMatchObject({ status: "rejected", decidedBy: APPROVER, reason: "customer renewed their contract" });
    expect(await qoem.registry.get("globex")).toMatchObject({ status: "active" });
    const audit = await qoem.dispatch.audit.read("globex");
    expect(audit[0]).toMatchObject({ user: APPROVER, action: `reject ${id}`, result: "rejected", detail: "reason: customer renewed their contract" });
    expect(tenantsNamed(qoem.cloudEmulator!, "globex")[0]!.status).toBe("active");

    // A dialog submitted after the decision is acked empty (the dialog closes) and its refusal reaches that approver.
    const late = await postInteraction(url, SECRET, rejectSubmission(APPROVER2, id, "too late"));
    expect(late.status).toBe(200);
    expect(await late.text()).toBe("");
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral" && c.body.user === APPROVER2));
    expect(slack.callsOf("chat.postEphemeral").at(-1)!.body).toMatchObject({ channel: "C0APPROVALS", text: expect.stringMatching(/^You cannot reject this: .*rejected/) });
    expect(await qoem.dispatch.approvals.get(id)).toMatchObject({ status: "rejected", decidedBy: APPROVER });
  });

  it("keeps a pending request across a restart of qoem", async () => {
    const { id } = await requestOffboard("globex", ENGINEER);
    const config = qoem.config;
    await qoem.close();
    const { startQoem } = await import("../../src/main.ts");
    const { captureLogger } = await import("../support/start-test-qoem.ts");
    const again = await startQoem(config, { logger: captureLogger([]) });
    try {
      expect(await again.dispatch.approvals.get(id)).toMatchObject({ status: "pending", customer: "globex" });
      const answer = await (await import("../../src/chat/dispatch-command.ts")).dispatchCommand({ text: `approve ${id}`, user: APPROVER, surface: "slack" }, again.dispatch);
      expect(answer).toMatchObject({ kind: "decision", decision: { ok: true } });
    } finally {
      await again.close();
    }
    qoem = { ...qoem, close: async () => undefined };
  });
});
