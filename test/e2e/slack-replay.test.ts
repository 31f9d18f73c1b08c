// Replayed and mistimed signed requests over Bolt's HTTP receiver: a signed request seen before within
// Slack's window is acknowledged with an empty 200 and ignored; a timestamp more than five minutes from
// now, in either direction, is refused with 401.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { buttonClick, postSigned, rejectSubmission, slashCommandBody } from "../support/slack-requests.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";

const SECRET = "replay-secret";
const APPROVER = "U0APPROVER";
let slack: FakeSlack;
let qoem: TestQoem;
let url: string;
let n = 0;

const now = () => Math.floor(Date.now() / 1000);
/** The same signed request, byte for byte, as often as it is sent. */
const signed = (body: string, timestamp = now()) => () => postSigned(url, SECRET, body, { timestamp });
const command = (text: string, user = "U0ENGINEER") => slashCommandBody(text, { user, responseUrl: slack.responseUrl(`cmd-${n++}`) });
const interaction = (payload: object) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const replayLogs = () => qoem.logLines.filter((l) => l.includes("replayed Slack request ignored")).length;

beforeAll(async () => {
  slack = await startFakeSlack();
  qoem = await startTestQoem("replay", { SLACK_BOT_TOKEN: "xoxb-replay", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, QOEM_APPROVERS: APPROVER, QOEM_APPROVALS_CHANNEL: "C0APPROVALS" });
  url = `http://127.0.0.1:${qoem.slackPort}/slack/events`;
  await (await postSigned(url, SECRET, command("onboard acme eu"))).text();
  await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes("acme is onboarded")), 20_000);
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

describe("replayed Slack requests", () => {
  it("runs a replayed /qoem health exactly once, and answers the replay with an empty 200", async () => {
    const send = signed(command("health acme"));
    const answers = () => slack.callsOf("response_url").filter((c) => c.responseId === `cmd-${n - 1}`);
    const first = await send();
    expect(first.status).toBe(200);
    expect(await slack.answerTo(`cmd-${n - 1}`)).toMatch(/Checking the health of acme/);
    // The first run's answers: the job started, then its result.
    await slack.waitFor(() => answers().length === 2);
    const logged = replayLogs();
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("");
    expect(replayLogs()).toBe(logged + 1);
    expect(answers()).toHaveLength(2);
    const jobs = await qoem.operations.getJobs(["completed", "active", "waiting", "delayed", "failed"]);
    expect(jobs.filter((j) => j.name === "health")).toHaveLength(1);
  });

  it("writes one audit entry for a replayed onboard", async () => {
    const send = signed(command("onboard globex eu"));
    expect((await send()).status).toBe(200);
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("");
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes("globex is onboarded")), 20_000);
    const audit = await qoem.dispatch.audit.read("globex");
    expect(audit.filter((e) => e.action === "onboard globex eu")).toHaveLength(1);
  });

  it("ignores a replayed button click and a replayed reject dialog", async () => {
    expect((await postSigned(url, SECRET, command("offboard globex"))).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && c.body.channel === "C0APPROVALS"));
    const requestPost = slack.calls.filter((c) => c.method === "chat.postMessage").find((c) => c.body.channel === "C0APPROVALS")!;
    const id = /approval (r[a-z0-9]{10})/.exec(String(requestPost.body.text))![1]!;

    const logged = replayLogs();
    const click = signed(interaction(buttonClick("qoem_reject", id, APPROVER, slack.responseUrl("click"), { channel: "C0APPROVALS", ts: "1.1" })));
    expect((await click()).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    expect((await click()).status).toBe(200);
    expect(replayLogs()).toBe(logged + 1);
    expect(slack.callsOf("views.open")).toHaveLength(1);

    const submit = signed(interaction(rejectSubmission(APPROVER, id, "wrong customer")));
    const first = await submit();
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("");
    const again = await submit();
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("");
    expect(replayLogs()).toBe(logged + 2);
    // The dialog is acked before the decision: wait for the request message to say it was rejected.
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && JSON.stringify(c.body.blocks ?? "").includes("Rejected by")));
    const audit = await qoem.dispatch.audit.read("globex");
    expect(audit.filter((e) => e.action === `reject ${id}`)).toHaveLength(1);
    expect(await qoem.dispatch.approvals.get(id)).toMatchObject({ status: "rejected", decidedBy: APPROVER });
  });

  it("refuses a timestamp more than five minutes from now in either direction, and accepts one within", async () => {
    for (const skew of [6 * 60, -6 * 60]) {
      const res = await signed(command("onboard evil eu"), now() + skew)();
      expect(res.status).toBe(401);
    }
    expect(await qoem.registry.get("evil")).toBeUndefined();
    const within = await signed(command("status acme"), now() + 4 * 60)();
    expect(within.status).toBe(200);
    expect(await slack.answerTo(`cmd-${n - 1}`)).toMatch(/acme: active/);
  });

  it("keeps seen signatures in Redis under qoem's prefix, expiring after about ten minutes", async () => {
    const body = command("status acme");
    const timestamp = now();
    await signed(body, timestamp)();
    const keys = await qoem.redis.keys(qoem.keys.slackSeen("*"));
    expect(keys.length).toBeGreaterThanOrEqual(4);
    const ttl = await qoem.redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(5 * 60);
    expect(ttl).toBeLessThanOrEqual(10 * 60);
  });
});
