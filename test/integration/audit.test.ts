// Every command of the command set leaves an audit entry, and no secret from the config reaches
// the audit stream or the logs, even where the secret is used (Slack token, OIDC client secret,
// webhook secret). Region and organisation OAuth secrets cannot sit beside the emulators this test
// runs on (readConfig refuses the pair), so they are not in its config.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { usage } from "../../src/commands/help-text.ts";

const secrets = {
  bot: "xoxb-SECRET-bot-token-0001",
  signing: "SECRET-signing-0002",
  oidc: "SECRET-oidc-client-0005",
  webhook: "SECRET-webhook-0006-at-least-32-chars",
};
let qoem: TestQoem;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  const dir = mkdtempSync(join(tmpdir(), "qoem-audit-"));
  const file = join(dir, "qoem.yaml");
  writeFileSync(
    file,
    [
      "cloud:",
      "  identity:",
      `    oidc: { provider: okta, discoveryUrl: "https://oem.okta.com/.well-known/openid-configuration", clientId: qoem, clientSecret: ${secrets.oidc} }`,
      `  monitoring: { webhookUrl: "https://qoem.example.com/webhooks/qlik", secret: ${secrets.webhook} }`,
      "",
    ].join("\n"),
  );
  qoem = await startTestQoem("audit", { QOEM_CONFIG: file, SLACK_BOT_TOKEN: secrets.bot, SLACK_SIGNING_SECRET: secrets.signing, SLACK_API_URL: slack.apiUrl, QOEM_APPROVERS: "U0APPROVER" });
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

async function say(text: string, user = "U0ENGINEER") {
  const answer = await dispatchCommand({ text, user, surface: "slack" }, qoem.dispatch);
  const jobId = answer.kind === "operation" ? answer.jobId : answer.kind === "decision" ? answer.jobId : undefined;
  if (jobId) await followJob(qoem.events, qoem.operations, jobId, () => undefined);
  return answer;
}

describe("audit log", () => {
  it("records every command of the command set, newest first, with who, what, surface, result and job", async () => {
    await say("onboard acme eu");
    await say("onboard acme eu --dry-run");
    await say("status acme");
    await say("list");
    await say("move acme us --dry-run");
    const health = await say("health acme");
    if (health.kind !== "operation") throw new Error(JSON.stringify(health));
    const verdict = await qoem.operations.getJob(health.jobId);
    // The OIDC identity provider waits for an administrator to verify it, as on a real tenant.
    expect(verdict!.returnvalue).toMatchObject({ verdict: "amber", reasons: [expect.stringMatching(/awaiting verification/)] });
    const offboard = await say("offboard acme --purge-after 20");
    if (offboard.kind !== "approval") throw new Error(JSON.stringify(offboard));
    await say(`approve ${offboard.approval.id}`, "U0APPROVER");
    await say("reactivate acme");
    const again = await say("offboard acme");
    if (again.kind !== "approval") throw new Error(JSON.stringify(again));
    await say(`reject ${again.approval.id} not now`, "U0APPROVER");
    await say("abandon acme");
    await say('rollout "Sales Overview" --region eu --dry-run');
    await say("audit acme");
    await say("help");

    const all = await qoem.dispatch.audit.read(undefined, 500);
    const actions = all.map((e) => e.action.split(" ")[0]);
    for (const name of Object.keys(usage)) expect(actions, name).toContain(name);
    expect(all.find((e) => e.action.startsWith("rollout"))).toMatchObject({ action: 'rollout "Sales Overview" --dry-run region=eu', user: "U0ENGINEER", result: "queued" });
    const onboard = all.find((e) => e.action === "onboard acme eu")!;
    expect(onboard).toMatchObject({ user: "U0ENGINEER", surface: "slack", customer: "acme", result: "queued", jobId: "onboard.acme.eu" });
    expect(all.find((e) => e.action.startsWith("approve"))).toMatchObject({ user: "U0APPROVER", result: "approved", customer: "acme" });
    expect(all.find((e) => e.action === "offboard run")).toMatchObject({ result: "completed", customer: "acme" });
    const perCustomer = await qoem.dispatch.audit.read("acme", 100);
    expect(perCustomer.length).toBeGreaterThanOrEqual(10);
    expect(Date.parse(perCustomer[0]!.at)).toBeGreaterThanOrEqual(Date.parse(perCustomer.at(-1)!.at));
    const rendered = await say("audit acme");
    expect(rendered.kind === "info" && rendered.text).toMatch(/What happened to acme, newest first/);
  });

  it("keeps every secret out of the audit stream and the logs", async () => {
    const stream = JSON.stringify(await qoem.redis.xrange(qoem.keys.audit(), "-", "+"));
    const logs = qoem.logLines.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(stream.includes(secret), `${name} in the audit stream`).toBe(false);
      expect(logs.includes(secret), `${name} in the logs`).toBe(false);
    }
    for (const emulatorSecret of ["emu-eu-secret", "emu-org-secret"]) expect(logs.includes(emulatorSecret)).toBe(false);
  });
});
