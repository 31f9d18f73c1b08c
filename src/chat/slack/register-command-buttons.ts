/**
 * Buttons that run a read-only command (`health`, `audit`, `status` of one customer) from a status
 * card or a health answer: the button's text is parsed again and must be one of those commands, then
 * it goes through the same dispatch as a typed command (roles, audit), so a click can do nothing the
 * clicker could not type.
 */
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { parseCommand } from "../../commands/parse-command.ts";
import { SAFE_BUTTON_COMMANDS } from "./answer-blocks.ts";
import { answerInSlack, type AnswerContext } from "./answer-in-slack.ts";
import { mrkdwn } from "./mrkdwn.ts";

export function registerCommandButtons(app: App, context: Omit<AnswerContext, "client" | "respond" | "channel">): void {
  app.action<BlockAction<ButtonAction>>(/^qoem_run_[a-z]+$/, async ({ ack, body, action, respond, client }) => {
    await ack();
    const text = action.value ?? "";
    const parsed = parseCommand(text, context.options.dispatch.parseContext);
    if (!parsed.ok || !(SAFE_BUTTON_COMMANDS as readonly string[]).includes(parsed.command.name)) {
      await respond({ response_type: "ephemeral", replace_original: false, text: mrkdwn`That button does not run a read-only command.` });
      return;
    }
    const channel = body.channel?.id ?? body.user.id;
    await answerInSlack(parsed.command, { text, user: body.user.id, surface: "slack" }, { ...context, client, channel, respond: (m) => respond(typeof m === "string" ? { text: m, replace_original: false } : { replace_original: false, ...m }) });
  });
}
