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

let triggers = 0;

/** A slash command as Slack sends it; each carries its own trigger_id, so two commands are never the same signed request. */
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
    trigger_id: `${process.pid}.${Date.now()}.${++triggers}`,
  }).toString();
}

/** A signed interaction (button click or modal submission), form-encoded as Slack sends it. */
export function postInteraction(url: string, secret: string, payload: object): Promise<Response> {
  return postSigned(url, secret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

export function buttonClick(actionId: string, value: string, user: string, responseUrl: string, message: { channel: string; ts: string }) {
  return {
    type: "block_actions",
    team: { id: "T0001", domain: "oem" },
    user: { id: user, username: user.toLowerCase(), team_id: "T0001" },
    api_app_id: "A0QOEM",
    token: "unused",
    trigger_id: `trigger-${user}-${Math.random().toString(36).slice(2)}`,
    container: { type: "message", message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    channel: { id: message.channel, name: "approvals" },
    message: { type: "message", ts: message.ts, text: "approval" },
    response_url: responseUrl,
    actions: [{ type: "button", action_id: actionId, block_id: `approval:${value}`, value, action_ts: `${Date.now() / 1000}` }],
  };
}

export function rejectSubmission(user: string, approvalId: string, reason: string) {
  return {
    type: "view_submission",
    team: { id: "T0001", domain: "oem" },
    user: { id: user, username: user.toLowerCase(), team_id: "T0001" },
    api_app_id: "A0QOEM",
    token: "unused",
    trigger_id: "trigger-view",
    view: {
      id: "V0001",
      type: "modal",
      callback_id: "qoem_reject_reason",
      private_metadata: approvalId,
      state: { values: { reason: { value: { type: "plain_text_input", value: reason } } } },
      hash: "h",
      team_id: "T0001",
      app_id: "A0QOEM",
    },
  };
}

/** A signed Events API request (JSON), as Slack sends `app_home_opened`. */
export function postEvent(url: string, secret: string, event: object): Promise<Response> {
  const body = JSON.stringify({ token: "unused", team_id: "T0001", api_app_id: "A0QOEM", type: "event_callback", event_id: `Ev${Date.now()}`, event_time: Math.floor(Date.now() / 1000), event });
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": slackSignature(secret, timestamp, body) }, body });
}

/** A click on a button in App Home (a view: no response_url, no channel), as Slack sends it. */
export function homeButtonClick(actionId: string, value: string, user: string) {
  return {
    type: "block_actions",
    team: { id: "T0001", domain: "oem" },
    user: { id: user, username: user.toLowerCase(), team_id: "T0001" },
    api_app_id: "A0QOEM",
    token: "unused",
    trigger_id: `trigger-${user}-${Math.random().toString(36).slice(2)}`,
    container: { type: "view", view_id: "V0HOME" },
    view: { id: "V0HOME", type: "home", callback_id: "", private_metadata: "", hash: "h", state: { values: {} }, team_id: "T0001", app_id: "A0QOEM" },
    actions: [{ type: "button", action_id: actionId, block_id: "home", value, action_ts: `${Date.now() / 1000}` }],
  };
}

/** A submitted modal (view_submission) with the given block values, as Slack sends it. */
export function viewSubmission(user: string, callbackId: string, values: Record<string, Record<string, object>>, privateMetadata = "") {
  return {
    type: "view_submission",
    team: { id: "T0001", domain: "oem" },
    user: { id: user, username: user.toLowerCase(), team_id: "T0001" },
    api_app_id: "A0QOEM",
    token: "unused",
    trigger_id: `trigger-view-${Math.random().toString(36).slice(2)}`,
    view: { id: "V0FORM", type: "modal", callback_id: callbackId, private_metadata: privateMetadata, state: { values }, hash: "h", team_id: "T0001", app_id: "A0QOEM" },
  };
}
