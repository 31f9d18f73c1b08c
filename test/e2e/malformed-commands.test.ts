// Several hundred generated malformed commands, through the shared dispatcher and through Bolt's
// HTTP receiver: each gets an error answer, nothing throws, and nothing is enqueued or recorded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { postSigned, slashCommandBody } from "../support/slack-requests.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { malformedCommands } from "../support/malformed-commands.ts";

const SECRET = "fuzz-secret";
let slack: FakeSlack;
let qoem: TestQoem;

beforeAll(async () => {
  slack = await startFakeSlack();
  qoem = await startTestQoem("fuzz", { SLACK_BOT_TOKEN: "xoxb-fuzz", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

describe("malformed commands", () => {
  const commands = malformedCommands(500);

  it("are each answered with an error, never throw, and leave the queue and registry empty", async () => {
    for (const text of commands) {
      const answer = await dispatchCommand({ text, user: "U0FUZZ", surface: "shell" }, qoem.dispatch);
      expect(answer.kind, `command ${JSON.stringify(text)}`).toBe("error");
      if (answer.kind === "error") {
        expect(answer.error.reason.length).toBeGreaterThan(0);
        expect(answer.error.reason).not.toMatch(/\n/);
        expect(answer.error.usage.length).toBeGreaterThan(0);
      }
    }
    const counts = await qoem.operations.getJobCounts();
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    expect(await qoem.registry.list()).toEqual([]);
  });

  it("are answered over Slack with the reason and usage in the ack, and post nothing", async () => {
    const url = `http://127.0.0.1:${qoem.slackPort}/slack/events`;
    const sample = commands.filter((_, i) => i % 5 === 0);
    for (const text of sample) {
      const res = await postSigned(url, SECRET, slashCommandBody(text, { responseUrl: slack.responseUrl("fuzz") }));
      expect(res.status, `command ${JSON.stringify(text)}`).toBe(200);
      const body = (await res.json()) as { text: string };
      expect(body.text).toMatch(/Usage: \/qoem /);
      expect(body.text).not.toMatch(/<[@!]/);
    }
    expect(slack.callsOf("chat.postMessage")).toEqual([]);
    const counts = await qoem.operations.getJobCounts();
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });
});
