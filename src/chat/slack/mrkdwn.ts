/**
 * Slack mrkdwn: the one place where text from users and from Qlik becomes Slack markup. Slack forms
 * mentions (`<!channel>`, `<@U…>`, `<#C…>`) and links (`<url|text>`) only from `<`, `>` and `&`, so
 * escaping those three keeps any outside text from pinging anyone or posting a link in qoem's voice.
 * Markup qoem means (bold, a mention of the requester, a channel link) is built around escaped text.
 */

/** Markup qoem builds itself (a user mention, a channel link): `mrkdwn` passes it through unchanged. */
export class SlackMarkup {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

export const escapeMrkdwn = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A mrkdwn string from a template: the template's own text is qoem's formatting and stays as written;
 * every interpolated value is escaped, unless it is `SlackMarkup` that qoem built.
 */
export function mrkdwn(template: TemplateStringsArray, ...values: Array<string | number | SlackMarkup>): string {
  let out = template[0] ?? "";
  values.forEach((value, i) => {
    out += (value instanceof SlackMarkup ? value.markup : escapeMrkdwn(String(value))) + (template[i + 1] ?? "");
  });
  return out;
}

/** Plain text (already rendered for the shell) as a code block: escaped, and no ``` inside can end the block early. */
export const codeBlock = (text: string): string => "```" + escapeMrkdwn(text).replace(/```/g, "`\u200b``") + "```";

/** A user mention for a Slack user id; anything else is shown as escaped text. */
export const mention = (userId: string): SlackMarkup => new SlackMarkup(/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));

/** A channel link for a Slack channel id (as configured); a channel name is shown as escaped text. */
export const channelLink = (channel: string): SlackMarkup => new SlackMarkup(/^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : escapeMrkdwn(channel));

/**
 * A time in each reader's own time zone and format: Slack's date token, with a UTC fallback for
 * clients that cannot render it. `at` is an ISO time or epoch milliseconds; an unreadable one is shown as given.
 */
export function slackDate(at: string | number, format = "{date_short_pretty} {time}"): SlackMarkup {
  const ms = typeof at === "number" ? at : Date.parse(at);
  if (!Number.isFinite(ms)) return new SlackMarkup(escapeMrkdwn(String(at)));
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return new SlackMarkup(`<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`);
}

/** A link qoem makes to a host it knows (a tenant); the label is escaped, the URL only ever https://host. */
export const hostLink = (hostname: string): SlackMarkup =>
  new SlackMarkup(/^[a-z0-9.-]+(:\d+)?$/i.test(hostname) ? `<https://${hostname}|${hostname}>` : escapeMrkdwn(hostname));
