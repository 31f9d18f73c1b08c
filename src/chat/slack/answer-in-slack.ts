/**
 * The answer to a command other than onboard, after its ack: dispatch, then the answer at the
 * command's response_url (Block Kit where qoem has a layout: a status card, the audit, a page of the
 * fleet, a health verdict), the fleet-health message, approval messages, and for operations the
 * result once the job ends. Used by `/qoem` and by the buttons that run read-only commands.
 */
import type { RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { Command } from "../../commands/command-schema.ts";
import { RedisUnavailable } from "../../queue/track-redis-state.ts";
import { dispatchParsed, type ChatRequest } from "../dispatch-command.ts";
import { fleetSchema, renderResult, renderStillRunning } from "../render-text.ts";
import { approvalRequestedText, healthMessage, infoMessage } from "./answer-blocks.ts";
import { postApprovalRequest, showDecision } from "./approval-actions.ts";
import { answerBlock, approvalNotPostedText, commandErrorBlock, notAnsweredText } from "./command-answers.ts";
import type { SlackSurfaceOptions } from "./create-slack-app.ts";
import { fleetPageMessage, pageOfFleet } from "./fleet-page.ts";
import { postFleetHealth } from "./post-fleet-health.ts";
import type { AfterAckScheduler } from "./schedule-after-ack.ts";

// A slash command's response_url takes answers for 30 minutes: stop following a little before.
const RESPONSE_URL_FOLLOW_MS = 25 * 60_000;

export interface AnswerContext {
  options: SlackSurfaceOptions;
  afterAck: AfterAckScheduler;
  client: WebClient;
  respond: RespondFn;
  channel: string;
  log: Logger;
}

/** What a `list` was asked for, in words. */
export const listScope = (c: Extract<Command, { name: "list" }>) => [c.region && `region or site ${c.region}`, c.status && `status ${c.status}`].filter(Boolean).join(", ") || "all";

export async function answerInSlack(c: Command, request: ChatRequest, ctx: AnswerContext): Promise<void> {
  const { options, log, respond, client } = ctx;
  const answer = await ctx.afterAck.run(async () => {
    try {
      const answer = await dispatchParsed(c, request, options.dispatch);
      if (answer.kind === "info") await respond({ response_type: "ephemeral", ...infoMessage(answer.text, answer.detail) }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "answer not delivered"));
      else if (answer.kind === "approval" && answer.created) await respond({ response_type: "ephemeral", text: approvalRequestedText(answer.approval, answer.text) }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "answer not delivered"));
      else if (answer.kind !== "fleet") await respond({ response_type: "ephemeral", text: answer.kind === "error" ? commandErrorBlock(answer.error) : answerBlock(answer.text) }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "answer not delivered"));
      return answer;
    } catch (error) {
      log.error({ err: (error as Error).message, command: c.name }, "could not answer");
      // Redis away: say so plainly (dispatch is bounded, so this comes within seconds).
      await respond({ response_type: "ephemeral", text: error instanceof RedisUnavailable ? error.message : notAnsweredText((error as Error).message) }).catch(() => undefined);
      return undefined;
    }
  });
  if (!answer) return;
  if (answer.kind === "fleet") {
    await postFleetHealth(client, ctx.channel, answer.view, answer.jobIds, { ...options, jobState: options.dispatch.fleet.jobState }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "health all message failed"));
    return;
  }
  try {
    if (answer.kind === "approval" && answer.created) {
      await postApprovalRequest(client, options.dispatch, answer.approval, { ...(options.approvalsChannel ? { approvalsChannel: options.approvalsChannel } : {}), requesterChannel: ctx.channel });
    }
    if (answer.kind === "decision") await showDecision(client, options.dispatch, answer);
  } catch (error) {
    log.error({ err: (error as Error).message }, "could not post the approval message");
    await respond({ response_type: "ephemeral", text: approvalNotPostedText((error as Error).message) }).catch(() => undefined);
  }
  if (answer.kind !== "operation") return;
  const outcome = await options.follow(answer.jobId, { timeoutMs: RESPONSE_URL_FOLLOW_MS });
  if (outcome.state === "completed" && answer.command.name === "list") {
    const fleet = fleetSchema.safeParse(outcome.result);
    if (fleet.success) {
      await respond({ response_type: "ephemeral", ...fleetPageMessage(pageOfFleet(fleet.data, 0, answer.jobId, listScope(answer.command))) });
      return;
    }
  }
  const result =
    outcome.state === "timeout"
      ? renderStillRunning(answer.jobId, outcome.progress)
      : outcome.state === "failed"
      ? (outcome.progress?.note ?? `failed: ${outcome.error ?? "unknown error"}`)
      : (renderResult(answer.command.name, outcome.result) ?? outcome.progress?.summary ?? "done");
  const health = outcome.state === "completed" && answer.command.name === "health" ? healthMessage(outcome.result, result) : undefined;
  if (health) {
    await respond({ response_type: "ephemeral", ...health });
    return;
  }
  const visible = answer.command.name === "reactivate";
  await respond({ response_type: visible ? "in_channel" : "ephemeral", text: answerBlock(result, visible ? request.user : undefined) });
}
