// A reject reason that tries to ping the channel and post a disguised link, over signed requests to
// Bolt's HTTP receiver and a fake Slack: everything qoem then sends to Slack carries it escaped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../support/fake-slack.ts";
import { buttonClick, postInteraction, postSigned, rejectSubmission, slashCommandBody } from "../support/slack-requests.ts";
import type { TestQoem } from "../support/start-test-qoem.ts";
import { startSlackQoem } from "../support/start-slack-qoem.ts";

const SECRET = "hostile-secret";
const ENGINEER = "U0ENGINEER";
const APPROVER = "U0APPROVER";
const REASON = "<!channel> urgent: <https://evil.example|Click here> <@U123> <#C123> &amp;";
let slack: FakeSlack;
let qoem: TestQoem;
let url: string;
let n = 0;

async function until(check: () => Promise<boolean>, what: string) {
  for (const deadline = Date.now() + 15_000; !(await check()); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > deadline) throw new Error(`not reached: ${what}`);
  }
}

const slash = (text: string, user: string) => postSigned(url, SECRET, slashCommandBody(text, { user, responseUrl: slack.responseUrl(`cmd-${n++}`) }));

beforeAll(async () => {
  ({ slack, qoem, url } = await startSlackQoem("hostile", { secret: SECRET, engineer: ENGINEER, approver: APPROVER }));
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

describe("hostile text from Slack users", () => {
  it("a reject reason with <!channel> and a disguised link reaches Slack escaped", async () => {
    await slash("onboard initech eu", ENGINEER);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes("initech is onboarded")), 20_000);
    expect((await slash("offboard initech", ENGINEER)).status).toBe(200);
    await until(async () => Boolean((await qoem.dispatch.approvals.pendingFor("initech"))?.replyProgressTs), "the request's thread");
    const pending = (await qoem.dispatch.approvals.pendingFor("initech"))!;
    const message = { channel: pending.requestChannel!, ts: pending.requestTs! };

    const before = slack.calls.length;
    expect((await postInteraction(url, SECRET, buttonClick("qoem_reject", pending.id, APPROVER, slack.responseUrl("reject"), message))).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    expect((await postInteraction(url, SECRET, rejectSubmission(APPROVER, pending.id, REASON))).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && c.body.ts === pending.requestTs && JSON.stringify(c.body.blocks ?? "").includes("Rejected by")));
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && c.body.ts === pending.replyProgressTs && String(c.body.text).startsWith("rejected by")));
    expect(await qoem.dispatch.approvals.get(pending.id)).toMatchObject({ status: "rejected", reason: REASON });

    const sent = slack.calls.slice(before).filter((c) => c.method === "chat.update");
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const call of sent) {
      const body = JSON.stringify(call.body);
      expect(body).toContain("&lt;!channel&gt; urgent: &lt;https://evil.example|Click here&gt; &lt;@U123&gt; &lt;#C123&gt; &amp;amp;");
      expect(body).not.toMatch(/<!channel>|<https:\/\/evil|<@U123>|<#C123>/);
    }
  });

  it("a typed reject with the same reason is answered and shown escaped", async () => {
    expect((await slash("offboard initech", ENGINEER)).status).toBe(200);
    await until(async () => Boolean((await qoem.dispatch.approvals.pendingFor("initech"))?.replyProgressTs), "the request's thread");
    const pending = (await qoem.dispatch.approvals.pendingFor("initech"))!;
    const before = slack.calls.length;
    const res = await slash(`reject ${pending.id} ${REASON}`, APPROVER);
    expect(await res.text()).toBe("");
    const answer = await slack.answerTo(`cmd-${n - 1}`);
    await slack.waitFor((calls) => calls.slice(before).some((c) => c.method === "chat.update" && c.body.ts === pending.replyProgressTs));
    for (const text of [answer, ...slack.calls.slice(before).map((c) => JSON.stringify(c.body))]) expect(text).not.toMatch(/<!channel>|<https:\/\/evil|<@U123>|<#C123>/);
    expect(JSON.stringify(slack.calls.slice(before).map((c) => c.body))).toContain("&lt;!channel&gt;");
  });
});
