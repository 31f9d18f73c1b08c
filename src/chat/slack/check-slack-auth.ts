// Start-up check: Slack answers at SLACK_API_URL and accepts the bot token (auth.test), said in one line naming the URL and Slack's error.
import { LogLevel, WebClient } from "@slack/web-api";

export const defaultSlackApiUrl = "https://slack.com/api/";

/** Resolves with the bot's identity; rejects with one line saying what is wrong. */
export async function checkSlackAuth(options: { botToken: string; apiUrl?: string; timeoutMs?: number }): Promise<{ team?: string; user?: string }> {
  const url = options.apiUrl ? `${options.apiUrl.replace(/\/+$/, "")}/` : defaultSlackApiUrl;
  const client = new WebClient(options.botToken, { slackApiUrl: url, timeout: options.timeoutMs ?? 10_000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
  try {
    const answer = await client.auth.test();
    return { ...(answer.team ? { team: answer.team } : {}), ...(answer.user ? { user: answer.user } : {}) };
  } catch (error) {
    const e = error as { code?: string; data?: { error?: string }; message?: string; original?: { message?: string; cause?: { code?: string; message?: string } } };
    if (e.code === "slack_webapi_platform_error") throw new Error(`Slack at ${url} refused the bot token (auth.test: ${e.data?.error ?? "error"}); check SLACK_BOT_TOKEN`);
    // fetch says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a bad port) is its cause.
    const cause = e.original?.cause?.code ?? e.original?.cause?.message ?? e.original?.message ?? e.message ?? String(error);
    throw new Error(`cannot reach Slack at ${url} (${cause}); check SLACK_API_URL and the network`);
  }
}
