// Hostile text (mentions, broadcasts, disguised links, entities) through every Slack message qoem builds:
// none of it may reach Slack as markup; only the mentions and links qoem means survive.
import { describe, expect, it } from "vitest";
import type { WebClient } from "@slack/web-api";
import { pino } from "pino";
import type { Approval } from "../../src/core/approvals.ts";
import type { OperationProgress } from "../../src/core/operation-progress.ts";
import { approvalDecidedMessage, approvalOutcomeText, approvalRequestMessage, approvalThreadParent, rejectReasonView } from "../../src/chat/slack/approval-blocks.ts";
import { threadMessages } from "../../src/chat/slack/thread-updater.ts";
import { homeBlocks } from "../../src/chat/slack/home-view.ts";
import { postFleetHealth } from "../../src/chat/slack/post-fleet-health.ts";
import { createAlertPoster } from "../../src/chat/slack/post-alert.ts";
import { renderAlert } from "../../src/chat/alerts-notifier.ts";
import { fleetHealthView, renderFleetHealth } from "../../src/chat/render-fleet-health.ts";
import * as answers from "../../src/chat/slack/command-answers.ts";
import { channelLink, codeBlock, mention, mrkdwn } from "../../src/chat/slack/mrkdwn.ts";
import { approvalRequestedText, healthMessage, infoMessage } from "../../src/chat/slack/answer-blocks.ts";
import { fleetPageMessage, pageOfFleet } from "../../src/chat/slack/fleet-page.ts";

const HOSTILE = "<!channel> urgent: <https://evil.example|Click here> <@U123> <#C123> <!here> <!subteam^S1> &amp; &lt;b&gt; ``` >quote";
/** The only markup qoem itself puts into these messages. */
const OURS = new Set(["<@U0REQUESTER>", "<@U0APPROVER>", "<#C0APPROVALS>"]);

/** Every `<…>` in what would be sent to Slack must be qoem's own, and the hostile text must be there, escaped. */
function expectSafe(sent: unknown) {
  const text = JSON.stringify(sent);
  let outside = text;
  for (const ours of OURS) outside = outside.split(ours).join("");
  // Slack date tokens qoem makes from times it holds (digits and its own format words only).
  outside = outside.replace(/<!date\^\d+\^\{[a-z_]+\}( \{time\})?\|[0-9: -]+ UTC>/g, "");
  expect(outside.match(/.{0,20}[<>].{0,20}/g) ?? []).toEqual([]);
  expect(text).toContain("&lt;!channel&gt;");
  expect(text).toContain("&lt;https://evil.example|Click here&gt;");
  expect(text).toContain("&amp;amp;");
}

const approval = (over: Partial<Approval> = {}): Approval => ({
  id: "rabcdefghij",
  customer: HOSTILE,
  operation: "offboard",
  purgeAfterDays: 30,
  requestedBy: "U0REQUESTER",
  requestedSurface: "slack",
  requestedAt: "2026-01-01T00:00:00.000Z",
  expiresAt: Date.parse("2026-01-02T00:00:00.000Z"),
  status: "pending",
  deployment: `Qlik Cloud tenant ${HOSTILE}`,
  effect: `deactivated: ${HOSTILE}`,
  previousStatus: "active",
  ...over,
});

const progress = (phase: OperationProgress["phase"]): OperationProgress => ({
  operation: "onboard",
  customer: HOSTILE,
  where: HOSTILE,
  phase,
  steps: [
    { id: "a", title: HOSTILE, state: "done", outcome: "created", detail: HOSTILE, durationMs: 10 },
    { id: "b", title: "Deploy app templates", state: "failed", detail: `template ${HOSTILE} missing` },
  ],
  note: HOSTILE,
  summary: HOSTILE,
});

const latest = { customer: HOSTILE, where: HOSTILE, verdict: "red" as const, reasons: [HOSTILE, HOSTILE], at: "2026-01-01T00:00:00.000Z", since: "2026-01-01T00:00:00.000Z" };

/** A Web API client that records what would be sent. */
function recordingClient() {
  const sent: unknown[] = [];
  const client = {
    chat: {
      postMessage: async (args: Record<string, unknown>) => (sent.push(args), { ok: true, channel: args.channel, ts: "1.1" }),
      update: async (args: Record<string, unknown>) => (sent.push(args), { ok: true }),
    },
  };
  return { sent, client: client as unknown as WebClient };
}

describe("Slack messages built from user and Qlik text", () => {
  it("approval request, decisions, thread texts and the reject dialog", () => {
    expectSafe(approvalRequestMessage(approval()));
    for (const status of ["approved", "rejected", "expired"] as const) {
      expectSafe(approvalDecidedMessage(approval({ status, decidedBy: "U0APPROVER", decidedAt: "2026-01-01T01:00:00.000Z", reason: HOSTILE })));
    }
    expectSafe(approvalDecidedMessage(approval({ status: "rejected", decidedBy: HOSTILE, decidedAt: "2026-01-01T01:00:00.000Z" })));
    expectSafe([approvalThreadParent(approval(), "C0APPROVALS"), approvalThreadParent(approval(), HOSTILE)]);
    expectSafe([approvalOutcomeText(approval({ status: "rejected", decidedBy: HOSTILE, reason: HOSTILE }))]);
    expectSafe(rejectReasonView("rabcdefghij", HOSTILE));
  });

  it("keeps qoem's own mentions, channel links and bold", () => {
    expect(approvalThreadParent(approval({ customer: "acme" }), "C0APPROVALS")).toBe("*Offboard acme* requested by <@U0REQUESTER>: waiting for approval (request rabcdefghij in <#C0APPROVALS>)");
    expect(mrkdwn`*${"a<b"}* by ${mention("U0APPROVER")} in ${channelLink("C0APPROVALS")}`).toBe("*a&lt;b* by <@U0APPROVER> in <#C0APPROVALS>");
    expect(`${mention("<!channel>")} ${channelLink("<!here>")}`).toBe("&lt;!channel&gt; &lt;!here&gt;");
    expect(codeBlock("a ``` b")).not.toMatch(/a ``` b/);
  });

  it("thread progress, final reply and parent of an operation", () => {
    for (const phase of ["running", "done", "failed"] as const) expectSafe(threadMessages(progress(phase)));
  });

  it("App Home and the health all message", async () => {
    const view = fleetHealthView([latest, { ...latest, verdict: "amber" }], "2026-01-01T00:00:00.000Z");
    expectSafe(homeBlocks(view));
    const { sent, client } = recordingClient();
    await postFleetHealth(client, "C0SUPPORT", view, [], { jobState: async () => "completed" });
    expect(sent).toHaveLength(1);
    expectSafe(sent);
  });

  it("status card, audit, health verdict, a page of the fleet and App Home with requests and operations", () => {
    const record = { customer: HOSTILE, kind: "cloud" as const, region: HOSTILE, status: "active" as const, requestedBy: HOSTILE, requestedAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", hostname: HOSTILE, tenantId: HOSTILE, lastError: HOSTILE, lastJobId: HOSTILE, templates: `${HOSTILE}|x`, residency: HOSTILE };
    // Button values and block ids are never rendered: they carry the command text as typed, parsed again on click.
    const shown = (m: { text: string; blocks?: Array<{ type: string }> }) => ({ text: m.text, blocks: (m.blocks ?? []).filter((b) => b.type !== "actions") });
    expectSafe(shown(infoMessage(HOSTILE, { kind: "status", record, pending: approval(), next: [HOSTILE] })));
    const entry = { at: "2026-01-01T00:00:00.000Z", user: HOSTILE, surface: "slack", action: HOSTILE, result: HOSTILE, detail: HOSTILE, customer: HOSTILE };
    expectSafe(infoMessage(HOSTILE, { kind: "audit", entries: [entry], customer: HOSTILE }));
    expectSafe(infoMessage(HOSTILE, { kind: "help" }));
    expectSafe(approvalRequestedText(approval()));
    const health = healthMessage({ customer: HOSTILE, verdict: "red", reasons: [HOSTILE], checkedAt: "2026-01-01T00:00:00.000Z" }, HOSTILE)!;
    expectSafe({ text: health.text, blocks: health.attachments[0]!.blocks.filter((b) => b.type !== "actions") });
    const fleet = { rows: [{ customer: HOSTILE, where: HOSTILE, deployment: HOSTILE, status: HOSTILE, tenantStatus: HOSTILE, hostname: HOSTILE }], sharedPlaces: [{ tenant: HOSTILE, used: 3 }], byWhere: [], live: false, unknownTenants: [{ id: HOSTILE, name: HOSTILE, hostname: HOSTILE }], goneTenants: [{ customer: HOSTILE, tenantId: HOSTILE }], pendingApprovals: [{ id: HOSTILE, customer: HOSTILE, operation: HOSTILE, requestedBy: HOSTILE, expiresAt: 0 }] };
    expectSafe(fleetPageMessage(pageOfFleet(fleet, 0, "list.job", HOSTILE)).blocks.filter((b) => b.type !== "actions"));
    expectSafe(homeBlocks(fleetHealthView([latest]), { pending: [approval()], recent: [entry], trend: new Map([[HOSTILE, [1, 2, undefined, 3]]]), canOnboard: true }));
  });

  it("health alerts posted to the alerts channel", async () => {
    const { sent, client } = recordingClient();
    const post = createAlertPoster(client, "C0ALERTS", pino({ level: "silent" }));
    await post(renderAlert({ id: "a1", decidedAt: "2026-11-29T00:00:00Z", kind: "red", customer: HOSTILE, where: HOSTILE, verdict: "red", reasons: [HOSTILE] }));
    await post(renderAlert({ id: "a2", decidedAt: "2026-11-29T00:00:00Z", kind: "all-clear", customer: HOSTILE, where: HOSTILE, verdict: "green", reasons: [] }));
    expect(sent).toHaveLength(2);
    expectSafe(sent);
  });

  it("answers to /qoem: errors, answers, results, onboard acks and threads, failures", () => {
    const error = { reason: HOSTILE, usage: `onboard ${HOSTILE}` };
    const title = answers.onboardTitle(false, HOSTILE, HOSTILE);
    expectSafe([
      answers.commandErrorText(error),
      answers.commandErrorBlock(error),
      answers.answerLine(HOSTILE),
      answers.answerBlock(HOSTILE),
      answers.answerBlock(HOSTILE, "U0REQUESTER"),
      answers.answerBlock(HOSTILE, HOSTILE),
      answers.onboardAckText(title),
      answers.onboardParentText(title, "U0REQUESTER"),
      answers.onboardNotStartedText(title, HOSTILE),
      answers.approvalNotPostedText(HOSTILE),
    ]);
  });
});
