// What the provisioning API did, in Slack: one line per ended operation in the API channel, and the approval requests it asked for, with their buttons.
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { DispatchDeps } from "../dispatch-command.ts";
import type { ApiEvent, OperationEnded } from "../../queue/api-notifications.ts";
import { postApprovalRequest } from "./approval-actions.ts";
import { mrkdwn } from "./mrkdwn.ts";

export function apiEventLine(e: OperationEnded): string {
  const o = e.operation;
  const mark = o.state === "completed" ? "✅" : "❌";
  return `${mark} ` + mrkdwn`*${o.operation} ${o.customer}${o.where ? ` → ${o.where}` : ""}* (asked by ${e.requestedBy} through the API): ${o.state}${o.summary ? `: ${o.summary}` : ""}${o.error ? `: ${o.error}` : ""}`;
}

export function createApiEventPoster(client: WebClient, deps: DispatchDeps, channels: { api?: string; approvals?: string }, logger: Logger): (event: ApiEvent) => Promise<void> {
  return async (event) => {
    if (event.kind === "ended") {
      if (!channels.api) return void logger.info({ operation: event.ended.operation.id }, "API operation ended (no API channel: QOEM_API_CHANNEL)");
      await client.chat.postMessage({ channel: channels.api, text: apiEventLine(event.ended) });
      return;
    }
    const approval = await deps.approvals.get(event.approvalId);
    if (!approval || approval.status !== "pending") return;
    const requesterChannel = channels.api ?? channels.approvals;
    if (!requesterChannel) return void logger.warn({ approvalId: approval.id }, "approval requested through the API not posted: set QOEM_APPROVALS_CHANNEL (approvers can still type /qoem approve)");
    await postApprovalRequest(client, deps, approval, { ...(channels.approvals ? { approvalsChannel: channels.approvals } : {}), requesterChannel });
  };
}
