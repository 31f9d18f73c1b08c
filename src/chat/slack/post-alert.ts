// Health alerts in Slack: the rendered alert, escaped, posted to the alerts channel (or a warning in the log without one).
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { mrkdwn } from "./mrkdwn.ts";

/** A deliver function for the alerts notifier: customer names and Qlik's reasons reach Slack escaped. */
export function createAlertPoster(client: WebClient, channel: string | undefined, logger: Logger): (text: string) => Promise<void> {
  return async (text) => {
    if (!channel) return void logger.warn({ alert: text }, "health alert not posted: no alerts channel (QOEM_ALERTS_CHANNEL)");
    await client.chat.postMessage({ channel, text: mrkdwn`${text}` });
  };
}
