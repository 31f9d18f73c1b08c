// Slack mrkdwn helpers: user text is escaped so that it can never form a mention or a link.
export const escapeMrkdwn = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
export const codeBlock = (text: string) => "```" + escapeMrkdwn(text).replace(/```/g, "`\u200b``") + "```";
export const mention = (userId: string) => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId));
