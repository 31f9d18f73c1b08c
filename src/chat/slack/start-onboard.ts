/**
 * An onboard asked in Slack, typed (`/qoem onboard acme eu`) or through the form: the same dispatch,
 * a thread opened in the channel just before the job is added (its progress edited in place by the
 * thread updater), and refusals told to the asker. Runs after the ack, in the after-ack scheduler's turn.
 */
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { OnboardCommand } from "../../commands/command-schema.ts";
import { whereOf } from "../../core/customer-registry.ts";
import type { ReplyTo } from "../../queue/job-payload.ts";
import { dispatchParsed, type ChatRequest, type DispatchDeps } from "../dispatch-command.ts";
import { answerLine, commandErrorText, onboardNotStartedText, onboardParentText, onboardTitle } from "./command-answers.ts";
import type { AfterAckScheduler } from "./schedule-after-ack.ts";

export interface OnboardInSlack {
  command: OnboardCommand;
  request: ChatRequest;
  /** Where the thread goes. */
  channel: string;
  client: WebClient;
  dispatch: DispatchDeps;
  afterAck: AfterAckScheduler;
  /** Tells the asker only (a refusal, an onboard already done or running). */
  tell(text: string): Promise<unknown>;
  logger: Logger;
}

export const onboardTitleOf = (c: OnboardCommand) => onboardTitle(c.dryRun, c.customer, whereOf(c.target));

export async function startOnboard(o: OnboardInSlack): Promise<void> {
  const c = o.command;
  const title = onboardTitleOf(c);
  try {
    // A refusal (role, lifecycle) comes back here as an error answer, recorded in the audit log by dispatch.
    const answer = await o.afterAck.run(() =>
      dispatchParsed(c, o.request, o.dispatch, {
        beforeAdd: async (): Promise<ReplyTo> => {
          const parent = await o.client.chat.postMessage({ channel: o.channel, text: onboardParentText(title, o.request.user) });
          const progress = await o.client.chat.postMessage({ channel: o.channel, thread_ts: parent.ts!, text: "queued" });
          return { surface: "slack", channel: parent.channel ?? o.channel, threadTs: parent.ts!, progressTs: progress.ts! };
        },
      }),
    );
    if (answer.kind === "error") await o.tell(commandErrorText(answer.error));
    else if (answer.kind === "operation" && answer.disposition !== "queued") await o.tell(answerLine(answer.text));
    o.logger.info({ user: o.request.user, customer: c.customer, answer: answer.kind === "operation" ? answer.disposition : answer.kind }, "onboard handled");
  } catch (error) {
    o.logger.error({ err: (error as Error).message, customer: c.customer }, "could not enqueue");
    await o.tell(onboardNotStartedText(title, String((error as Error).message))).catch(() => undefined);
  }
}
