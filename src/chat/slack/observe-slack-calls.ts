// A fetch for Slack's Web API clients that counts every failed call (qoem_slack_api_errors_total) and hands each answer on unchanged.
import type { WebClientOptions } from "@slack/web-api";
import { z } from "zod";
import { recordSlackApiError } from "../../ops/metrics.ts";

type SlackFetch = NonNullable<WebClientOptions["fetch"]>;

const slackAnswer = z.object({ ok: z.boolean(), error: z.string().max(100).optional() });

/** The Web API method a request calls: the last segment of its URL (`…/api/chat.postMessage`). */
function methodOf(url: string | URL): string {
  const path = new URL(String(url)).pathname;
  return /^[A-Za-z.]+$/.test(path.split("/").pop() ?? "") ? path.split("/").pop()! : "unknown";
}

export function observedSlackFetch(inner: SlackFetch = (url, init) => fetch(url, init)): SlackFetch {
  return async (url, init) => {
    const method = methodOf(url);
    let response: Awaited<ReturnType<SlackFetch>>;
    try {
      response = await inner(url, init);
    } catch (error) {
      recordSlackApiError(method, "network_error");
      throw error;
    }
    if (response.status === 429) recordSlackApiError(method, "ratelimited");
    else if (!response.ok) recordSlackApiError(method, `http_${response.status}`);
    else if (response instanceof Response && (response.headers.get("content-type") ?? "").includes("json")) {
      // Slack answers 200 with {ok:false, error} for a refused call; read a copy, pass the original on.
      const answer = slackAnswer.safeParse(await response.clone().json().catch(() => undefined));
      if (answer.success && !answer.data.ok) recordSlackApiError(method, /^[a-z_]+$/.test(answer.data.error ?? "") ? answer.data.error! : "unknown");
    }
    return response;
  };
}
