// Block Kit for an approval request (an offboard, or abandoning a failed onboard): who asked, the customer, its deployment, what will
// happen, and Approve / Reject buttons behind confirmation dialogs; after the decision, the same
// message says who decided and when, without buttons.
import { subjectOf, type Approval } from "../../core/approvals.ts";
import { channelLink, mention, mrkdwn, slackDate } from "./mrkdwn.ts";

export const APPROVE_ACTION = "qoem_approve";
export const REJECT_ACTION = "qoem_reject";
export const REJECT_VIEW = "qoem_reject_reason";

/** A request's title by its operation. */
export const titles: Record<Approval["operation"], string> = { offboard: "Offboard", abandon: "Abandon", move: "Move", "move-removal": "Removal of a moved customer's source", rollout: "Rollout" };
const title = (a: Approval) => titles[a.operation];

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";

function summary(a: Approval) {
  return [
    { type: "section", text: { type: "mrkdwn", text: mrkdwn`*${title(a)} requested* for *${subjectOf(a)}* by ${mention(a.requestedBy)}` } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: mrkdwn`*Deployment*\n${a.deployment}` },
        { type: "mrkdwn", text: mrkdwn`*What will happen*\n${a.effect}` },
        { type: "mrkdwn", text: mrkdwn`*Request*\n${a.id}` },
        { type: "mrkdwn", text: mrkdwn`*Expires*\n${slackDate(a.expiresAt)}` },
      ],
    },
  ];
}

export function approvalRequestMessage(a: Approval) {
  const confirm = (title: string, text: string, ok: string) => ({
    title: { type: "plain_text", text: title },
    text: { type: "mrkdwn", text },
    confirm: { type: "plain_text", text: ok },
    deny: { type: "plain_text", text: "Cancel" },
  });
  return {
    text: mrkdwn`${title(a)} of ${subjectOf(a)} requested by ${a.requestedBy}: approval ${a.id} pending`,
    blocks: [
      ...summary(a),
      {
        type: "actions",
        block_id: `approval:${a.id}`,
        elements: [
          { type: "button", action_id: APPROVE_ACTION, value: a.id, style: "primary", text: { type: "plain_text", text: "Approve" }, confirm: confirm(`Approve ${a.operation}?`, mrkdwn`${a.effect}.`, "Approve") },
          { type: "button", action_id: REJECT_ACTION, value: a.id, style: "danger", text: { type: "plain_text", text: "Reject" }, confirm: confirm(`Reject ${a.operation}?`, a.operation === "rollout" ? "No customer is touched." : mrkdwn`Nothing of ${a.customer} is removed.`, "Reject") },
        ],
      },
    ],
  };
}

export function approvalDecidedMessage(a: Approval) {
  const verb = a.status === "approved" ? "✅ Approved" : a.status === "rejected" ? "❌ Rejected" : "⌛ Expired";
  const by = a.decidedBy && a.status !== "expired" ? mrkdwn` by ${mention(a.decidedBy)}` : "";
  const when = a.decidedAt ? mrkdwn` ${slackDate(a.decidedAt)}` : a.status === "expired" ? mrkdwn` ${slackDate(a.expiresAt)}` : "";
  const reason = a.reason ? mrkdwn`: ${a.reason}` : "";
  return {
    text: mrkdwn`${title(a)} of ${subjectOf(a)}: ${a.status}`,
    blocks: [...summary(a), { type: "context", elements: [{ type: "mrkdwn", text: `${verb}${by}${when}${reason}` }] }],
  };
}

/** The requester's thread parent while the request waits (with a link to the approvals channel, if any). */
export function approvalThreadParent(a: Approval, approvalsChannel?: string): string {
  const where = approvalsChannel ? mrkdwn` in ${channelLink(approvalsChannel)}` : "";
  return mrkdwn`*${title(a)} ${subjectOf(a)}* requested by ${mention(a.requestedBy)}: waiting for approval (request ${a.id}` + `${where})`;
}

/** The requester's progress line once a request is rejected or expired (an approved one shows the offboard's steps). */
export function approvalOutcomeText(a: Approval): string {
  const nothing = a.operation === "rollout" ? "no customer was touched" : "nothing was removed";
  if (a.status !== "rejected") return `expired; ${nothing}`;
  return mrkdwn`rejected by ${a.decidedBy ?? "an approver"}` + (a.reason ? mrkdwn`: ${a.reason}` : "") + `; ${nothing}`;
}

export function rejectReasonView(approvalId: string, customer: string, operation: Approval["operation"] = "offboard") {
  return {
    type: "modal" as const,
    callback_id: REJECT_VIEW,
    private_metadata: approvalId,
    title: { type: "plain_text" as const, text: `Reject ${operation}` },
    submit: { type: "plain_text" as const, text: "Reject" },
    close: { type: "plain_text" as const, text: "Cancel" },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: mrkdwn`Reject the ${operation} of *${customer}* (request ${approvalId}).` } },
      { type: "input", block_id: "reason", optional: true, label: { type: "plain_text", text: "Reason" }, element: { type: "plain_text_input", action_id: "value", max_length: 300 } },
    ],
  };
}
