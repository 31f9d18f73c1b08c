// The texts `/qoem` answers with in Slack: whatever they repeat of the command, of Qlik or of an error is escaped here.
import { formatCommandError, type CommandError } from "../../commands/parse-command.ts";
import { codeBlock, mention, mrkdwn } from "./mrkdwn.ts";

/** A refused or malformed command: its reason and the usage line. */
export const commandErrorText = (error: CommandError): string => mrkdwn`${formatCommandError(error)}`;

/** The same, as a code block (answers of commands other than onboard). */
export const commandErrorBlock = (error: CommandError): string => codeBlock(formatCommandError(error));

/** A one-line answer (an onboard already running or done, a refusal). */
export const answerLine = (text: string): string => mrkdwn`${text}`;

/** A rendered answer or result (status, list, health, audit, …) as a code block; a visible one names who asked. */
export const answerBlock = (text: string, askedBy?: string): string => (askedBy ? mrkdwn`${mention(askedBy)}: ` : "") + codeBlock(text);

export const onboardTitle = (dryRun: boolean, customer: string, where: string): string => `${dryRun ? "Dry run: onboard" : "Onboard"} ${customer} → ${where}`;

export const onboardAckText = (title: string): string => mrkdwn`${title}: on it.`;

/** The parent message of an operation's thread. */
export const onboardParentText = (title: string, user: string): string => mrkdwn`*${title}* requested by ${mention(user)}: queued`;

export function onboardNotStartedText(title: string, why: string): string {
  const hint = /not_in_channel|channel_not_found/.test(why) ? " Invite qoem to this channel (/invite @qoem) and try again." : "";
  return mrkdwn`${title} could not be started: ${why}.` + hint;
}

export const approvalNotPostedText = (why: string): string => mrkdwn`The request is recorded, but its message could not be posted: ${why}. Invite qoem to the approvals channel.`;

/** A command acked but not answered: what failed (Redis, most likely), so the user can try again. */
export const notAnsweredText = (why: string): string => mrkdwn`That could not be answered: ${why}. Try again in a moment.`;
