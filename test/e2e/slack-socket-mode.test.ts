// Socket Mode (SLACK_APP_TOKEN): the same /qoem, delivered over a WebSocket from a fake Slack,
// acknowledged on the socket, with the thread on the Web API as in HTTP mode.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";

let slack: FakeSlack;
let qoem: TestQoem;
beforeAll(async () => {
  slack = await startFakeSlack();
  qoem = await startTestQoem("socket", { SLACK_BOT_TOKEN: "xoxb-socket", SLACK_SIGNING_SECRET: "unused-in-socket-mode", SLACK_APP_TOKEN: "xapp-1-socket", SLACK_API_URL: slack.apiUrl });
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

const slash = (text: string) => ({ token: "x", team_id: "T0001", channel_id: "C0SOCKET", user_id: "U0ENGINEER", user_name: "engineer", command: "/qoem", text, api_app_id: "A0QOEM", response_url: slack.responseUrl("socket"), trigger_id: "1.2.3" });

describe("Socket Mode", () => {
  it("receives /qoem over the socket, acks the envelope, and onboards", async () => {
    expect(slack.callsOf("apps.connections.open")).toHaveLength(1);
    const id = await slack.sendEnvelope("slash_commands", slash("onboard acme eu"));
    await slack.waitFor(() => slack.socketAcks.some((a) => a.envelope_id === id));
    expect(JSON.stringify(slack.socketAcks.find((a) => a.envelope_id === id))).toContain("Onboard acme → eu");
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes("https://acme.eu.qlikcloud.com")), 20_000);
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
    const bad = await slack.sendEnvelope("slash_commands", slash("onboard acme mars"));
    await slack.waitFor(() => slack.socketAcks.some((a) => a.envelope_id === bad));
    expect(JSON.stringify(slack.socketAcks.find((a) => a.envelope_id === bad))).toMatch(/unknown region or site/);
  });
});
