/**
 * The Slack side of approvals: posting a request (in the approvals channel, with a thread for the
 * requester), the Approve and Reject buttons, the reason dialog, and editing the request message
 * once decided. Every decision goes through the same dispatcher as typed commands (roles, four
 * eyes, expiry, audit), so a click can do nothing that `/qoem approve` could not.
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { subjectOf, type Approval } from "../../core/approvals.ts";
import { dispatchParsed, type ChatAnswer, type DispatchDeps } from "../dispatch-command.ts";
import { APPROVE_ACTION, REJECT_ACTION, REJECT_VIEW, approvalDecidedMessage, approvalOutcomeText, approvalRequestMessage, approvalThreadParent, rejectReasonView } from "./approval-blocks.ts";
import { mrkdwn } from "./mrkdwn.ts";

export async function postApprovalRequest(client: WebClient, deps: DispatchDeps, approval: Approval, where: { approvalsChannel?: string; requesterChannel: string }): Promise<void> {
  const channel = where.approvalsChannel ?? where.requesterChannel;
  const message = approvalRequestMessage(approval);
  const posted = await client.chat.postMessage({ channel, ...message });
  const parent = await client.chat.postMessage({ channel: where.requesterChannel, text: approvalThreadParent(approval, where.approvalsChannel) });
  const progress = await client.chat.postMessage({ channel: where.requesterChannel, thread_ts: parent.ts!, text: "waiting for approval" });
  await deps.approvals.attach(approval.id, {
    requestChannel: posted.channel ?? channel,
    requestTs: posted.ts!,
    replyChannel: parent.channel ?? where.requesterChannel,
    replyThreadTs: parent.ts!,
    replyProgressTs: progress.ts!,
  });
}

/** After a decision (by click or by typed command), the request message and the requester's thread say so. */
export async function showDecision(client: WebClient, deps: DispatchDeps, answer: ChatAnswer): Promise<void> {
  if (answer.kind !== "decision" || !answer.decision.approval) return;
  const approval = (await deps.approvals.get(answer.decision.approval.id)) ?? answer.decision.approval;
  if (approval.status === "pending") return;
  if (approval.requestChannel && approval.requestTs) await client.chat.update({ channel: approval.requestChannel, ts: approval.requestTs, ...approvalDecidedMessage(approval) });
  if (approval.status !== "approved" && approval.replyChannel && approval.replyProgressTs && answer.decision.ok) {
    await client.chat.update({ channel: approval.replyChannel, ts: approval.replyProgressTs, text: approvalOutcomeText(approval) });
  }
}

/**
 * `onHome`: called after a click on the App Home tab (a view: no response_url), so the tab can be
 * published again without the decided request; refusals there go to the clicker as a direct message.
 */
export function registerApprovalActions(app: App, deps: DispatchDeps, logger: Logger, onHome?: (client: WebClient, user: string) => Promise<void>): void {
  const log = logger.child({ surface: "slack", component: "approvals" });
  const fromHome = (body: object) => ("container" in body ? (body.container as { type?: string } | undefined)?.type : undefined) === "view";

  app.action(APPROVE_ACTION, async ({ ack, body, action, client, respond: respondHere }) => {
    await ack();
    const respond = fromHome(body) || !respondHere ? (m: { text: string }) => client.chat.postMessage({ channel: body.user.id, text: m.text }) : respondHere;
    const requestId = "value" in action ? String(action.value ?? "") : "";
    const answer = await dispatchParsed({ name: "approve", requestId }, { text: `approve ${requestId}`, user: body.user.id, surface: "slack" }, deps);
    if (answer.kind === "decision" && answer.decision.ok) await showDecision(client, deps, answer);
    else {
      const reason = answer.kind === "error" ? answer.error.reason : answer.kind === "decision" && !answer.decision.ok ? answer.decision.message : "not done";
      if (answer.kind === "decision" && !answer.decision.ok && answer.decision.code === "expired") await showDecision(client, deps, { ...answer, decision: { ok: true, approval: answer.decision.approval! } });
      await respond({ response_type: "ephemeral", replace_original: false, text: mrkdwn`You cannot approve this: ${reason}.` });
    }
    if (fromHome(body)) await onHome?.(client, body.user.id).catch((e: unknown) => log.warn({ err: (e as Error).message }, "App Home not refreshed"));
    log.info({ user: body.user.id, requestId, answer: answer.kind }, "approve clicked");
  });

  app.action(REJECT_ACTION, async ({ ack, body, action, client, respond: respondHere }) => {
    await ack();
    const respond = fromHome(body) || !respondHere ? (m: { text: string }) => client.chat.postMessage({ channel: body.user.id, text: m.text }) : respondHere;
    const requestId = "value" in action ? String(action.value ?? "") : "";
    const approval = await deps.approvals.get(requestId);
    const allowed = await deps.access.has(body.user.id, "approver");
    const problem = !approval ? `there is no approval request ${requestId}` : !allowed.ok ? allowed.reason : approval.status !== "pending" ? `this request was already ${approval.status}` : undefined;
    if (problem || !approval) {
      await respond({ response_type: "ephemeral", replace_original: false, text: mrkdwn`You cannot reject this: ${problem ?? "not done"}.` });
      return;
    }
    const triggerId = "trigger_id" in body ? String(body.trigger_id) : "";
    await client.views.open({ trigger_id: triggerId, view: rejectReasonView(requestId, subjectOf(approval), approval.operation) });
  });

  app.view(REJECT_VIEW, async ({ ack, body, view, client }) => {
    // Acked (the dialog closes) before the decision, which reads and writes Redis; a refusal then
    // reaches the approver as an ephemeral message where the request is, or as a direct message.
    await ack();
    const requestId = view.private_metadata;
    const reason = view.state.values.reason?.value?.value ?? "";
    const answer = await dispatchParsed({ name: "reject", requestId, ...(reason ? { reason: reason.slice(0, 300) } : {}) }, { text: `reject ${requestId}`, user: body.user.id, surface: "slack" }, deps);
    if (answer.kind === "decision" && answer.decision.ok) {
      await showDecision(client, deps, answer);
      await onHome?.(client, body.user.id).catch((e: unknown) => log.warn({ err: (e as Error).message }, "App Home not refreshed"));
    } else {
      const why = answer.kind === "error" ? answer.error.reason : answer.kind === "decision" && !answer.decision.ok ? answer.decision.message : "not done";
      const text = mrkdwn`You cannot reject this: ${why}.`;
      const channel = (await deps.approvals.get(requestId))?.requestChannel;
      await (channel ? client.chat.postEphemeral({ channel, user: body.user.id, text }) : client.chat.postMessage({ channel: body.user.id, text })).catch((e: unknown) => log.warn({ err: (e as Error).message, requestId }, "reject refusal not delivered"));
    }
    log.info({ user: body.user.id, requestId, answer: answer.kind }, "reject submitted");
  });
}
