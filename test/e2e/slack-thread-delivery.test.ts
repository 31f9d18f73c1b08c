// The end of an operation's Slack thread is never lost: when Slack fails the final summary or the
// parent's "done" edit once, the thread update is retried and the summary still arrives exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { postSigned, slashCommandBody } from "../support/slack-requests.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { waitUntil } from "../support/wait-until.ts";

const SIGNING_SECRET = "thread-delivery-secret";
let slack: FakeSlack;
let qoem: TestQoem;

beforeAll(async () => {
  slack = await startFakeSlack();
  qoem = await startTestQoem("thread-delivery", { SLACK_BOT_TOKEN: "xoxb-thread-token", SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl });
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

const isSummary = (body: Record<string, unknown>) => Boolean(body.thread_ts) && String(body.text).startsWith("✅");
const isParentDone = (body: Record<string, unknown>) => String(body.text).endsWith("done ✅");

describe("the final summary of a Slack thread", () => {
  it("arrives exactly once when Slack fails its post and the parent's edit once each", async () => {
    slack.failNext({ method: "chat.postMessage", when: isSummary, times: 1 });
    slack.failNext({ method: "chat.update", when: isParentDone, times: 1 });
    const res = await postSigned(`http://127.0.0.1:${qoem.slackPort}/slack/events`, SIGNING_SECRET, slashCommandBody("onboard acme eu", { user: "U0ENGINEER", responseUrl: slack.responseUrl("r0") }));
    expect(res.status).toBe(200);

    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && !c.failed && isParentDone(c.body)), 30_000);
    const summaries = slack.calls.filter((c) => c.method === "chat.postMessage" && isSummary(c.body));
    expect(summaries.map((c) => Boolean(c.failed))).toEqual([true, false]);
    expect(String(summaries[1]!.body.text)).toMatch(/https:\/\/acme\.eu\.qlikcloud\.com/);
    expect(slack.calls.filter((c) => c.method === "chat.update" && isParentDone(c.body)).map((c) => Boolean(c.failed))).toEqual([true, false]);
    // Each failure is logged once, as one structured line with the job and the customer.
    const failedLines = () => qoem.logLines.filter((l) => l.includes("thread update failed"));
    await waitUntil(() => failedLines().length >= 2, "both failures logged");
    const failed = failedLines();
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatch(/"jobId":"[^"]+".*"customer":"acme".*"err":"An API error occurred: internal_error"/);
  });
});
