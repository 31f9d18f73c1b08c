// Signed Slack requests, made the way Slack signs them (v0 HMAC-SHA256 over "v0:<ts>:<body>").
import { createHmac } from "node:crypto";

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedPostOptions {
  timestamp?: number;
  signature?: string;
}

export async function postSigned(url: string, secret: string, body: string, options: SignedPostOptions = {}): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? slackSignature(secret, timestamp, body),
    },
    body,
  });
}

export function slashCommandBody(text: string, fields: { user?: string; channel?: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: "unused",
    team_id: "T0001",
    team_domain: "oem",
    channel_id: fields.channel ?? "C0SUPPORT",
    channel_name: "support",
    user_id: fields.user ?? "U0ENGINEER",
    user_name: "engineer",
    command: "/qoem",
    text,
    api_app_id: "A0QOEM",
    is_enterprise_install: "false",
    response_url: fields.responseUrl,
    trigger_id: "1.2.3",
  }).toString();
}
