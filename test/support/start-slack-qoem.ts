// A qoem in Slack HTTP mode against the fake Slack, with an engineer, an approver and an approvals channel: the setup the Slack end-to-end tests share.
import { startFakeSlack, type FakeSlack } from "./fake-slack.ts";
import { startTestQoem, type TestQoem } from "./start-test-qoem.ts";

export interface SlackQoem {
  slack: FakeSlack;
  qoem: TestQoem;
  /** Where signed Slack requests go. */
  url: string;
}

export async function startSlackQoem(name: string, roles: { secret: string; engineer: string; approver: string }): Promise<SlackQoem> {
  const slack = await startFakeSlack();
  const qoem = await startTestQoem(name, {
    SLACK_BOT_TOKEN: `xoxb-${name}`,
    SLACK_SIGNING_SECRET: roles.secret,
    SLACK_API_URL: slack.apiUrl,
    QOEM_ENGINEERS: roles.engineer,
    QOEM_APPROVERS: roles.approver,
    QOEM_APPROVALS_CHANNEL: "C0APPROVALS",
  });
  return { slack, qoem, url: `http://127.0.0.1:${qoem.slackPort}/slack/events` };
}
