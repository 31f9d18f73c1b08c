// The ack benchmark's baseline, run in a process of its own: a bare Bolt app that acks `/qoem` with a fixed text.
import { App, LogLevel } from "@slack/bolt";

const app = new App({
  token: process.env.SLACK_BOT_TOKEN ?? "",
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  logLevel: LogLevel.ERROR,
  ...(process.env.SLACK_API_URL ? { clientOptions: { slackApiUrl: process.env.SLACK_API_URL } } : {}),
});

app.command("/qoem", async ({ ack }) => {
  await ack({ response_type: "ephemeral", text: "ok" });
});

const server = (await app.start(0)) as { address(): { port: number } };
process.stdout.write(`bare Bolt: port ${server.address().port}\n`);
process.once("SIGTERM", () => void app.stop().then(() => process.exit(0)));
