// End to end over real sockets: a signed /qoem onboard through Bolt's HTTP receiver, the queue and
// worker, the cloud adapter on @qlik/api, the Qlik Cloud emulator, and the thread on a fake Slack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { postEvent, postSigned, slashCommandBody } from "../support/slack-requests.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";

const SIGNING_SECRET = "e2e-signing-secret";
let slack: FakeSlack;
let qoem: TestQoem;
let eventsUrl: string;
let responses = 0;

const send = (text: string, user = "U0ENGINEER") => postSigned(eventsUrl, SIGNING_SECRET, slashCommandBody(text, { user, responseUrl: slack.responseUrl(`r${responses++}`) }));

beforeAll(async () => {
  slack = await startFakeSlack();
  // On-call: one user by id, and a user group whose members only Slack knows (usergroups.users.list).
  qoem = await startTestQoem("e2e", { SLACK_BOT_TOKEN: "xoxb-e2e-token", SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, QOEM_ONCALL: "U0ENGINEER,S0ONCALL" });
  eventsUrl = `http://127.0.0.1:${qoem.slackPort}/slack/events`;
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

describe("/qoem onboard acme eu over Slack", () => {
  it("acks at once, reports each step in a thread it edits, and leaves exactly one tenant", async () => {
    const res = await send("onboard acme eu");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("Onboard acme → eu") });

    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && String(c.body.text).includes("https://acme.eu.qlikcloud.com")));
    const [parent, progress] = slack.callsOf("chat.postMessage");
    expect(parent!.body).toMatchObject({ channel: "C0SUPPORT", text: expect.stringContaining("requested by <@U0ENGINEER>") });
    expect(progress!.body.thread_ts).toBeDefined();
    const progressTs = slack.calls.find((c) => c.method === "chat.postMessage" && c.body.thread_ts)!;
    void progressTs;
    const edits = slack.callsOf("chat.update");
    const lastProgressEdit = edits.filter((c) => String(c.body.text).startsWith("onboard acme → eu")).at(-1)!;
    expect(String(lastProgressEdit.body.text)).toMatch(/✓ Create tenant created/);
    expect(String(lastProgressEdit.body.text)).toMatch(/✓ Set hostname alias updated: acme\.eu\.qlikcloud\.com/);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && String(c.body.text).includes("done ✅")));
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
    expect(await qoem.registry.get("acme")).toMatchObject({ status: "active", hostname: "acme.eu.qlikcloud.com", requestedBy: "U0ENGINEER", kind: "cloud", region: "eu" });
  });

  it("collapses the same command sent twice more into the finished job", async () => {
    const before = slack.callsOf("chat.postMessage").length;
    for (let i = 0; i < 2; i++) expect((await send("onboard acme eu")).status).toBe(200);
    await slack.waitFor((calls) => calls.filter((c) => c.method === "response_url").length >= 2);
    for (const r of slack.callsOf("response_url")) expect(String(r.body.text)).toMatch(/already onboarded/);
    expect(slack.callsOf("chat.postMessage").length).toBe(before);
    expect(tenantsNamed(qoem.cloudEmulator!, "acme")).toHaveLength(1);
    expect(await qoem.operations.getJobCounts("completed", "waiting", "active", "delayed", "failed")).toEqual({ completed: 1, waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it("acks status and help empty, and answers them at the response_url", async () => {
    const status = await send("status acme");
    expect(await status.text()).toBe("");
    expect(await slack.answerTo(`r${responses - 1}`)).toMatch(/acme: active/);
    const help = await send("help");
    expect(await help.text()).toBe("");
    expect(await slack.answerTo(`r${responses - 1}`)).toMatch(/onboard &lt;customer&gt;/);
  });

  it("acks a command before Slack answers the role lookup it needs", async () => {
    // U0ONCALL is not listed by id, so whether it may run `health` needs usergroups.users.list first.
    const held = slack.hold("usergroups.users.list");
    try {
      const res = await send("health acme", "U0ONCALL");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
      await slack.waitFor((calls) => calls.some((c) => c.method === "usergroups.users.list"));
      expect(slack.calls.some((c) => c.method === "response_url" && c.responseId === `r${responses - 1}`)).toBe(false);
    } finally {
      held.release();
    }
    expect(await slack.answerTo(`r${responses - 1}`)).toMatch(/needs the on-call role/);
  });

  it("answers a malformed command with its reason and usage, and enqueues nothing", async () => {
    const before = await qoem.operations.getJobCounts();
    const res = await send("onboard acme mars");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string };
    expect(body.text).toMatch(/unknown region or site 'mars'/);
    expect(body.text).toMatch(/Usage: \/qoem onboard/);
    expect(await qoem.operations.getJobCounts()).toEqual(before);
  });

  it("answers health all with one message that it edits when the sweep is done, and publishes App Home", async () => {
    // The sweeps at start-up ran before acme existed; make them stale so `health all` sweeps again.
    await qoem.redis.del(qoem.keys.sweepMeta());
    const before = slack.callsOf("chat.postMessage").length;
    const res = await send("health all");
    expect(res.status).toBe(200);
    await slack.waitFor(() => slack.callsOf("chat.postMessage").length > before);
    const message = slack.callsOf("chat.postMessage").at(-1)!;
    expect(String(message.body.text)).toMatch(/Fleet health: /);
    await slack.waitFor((calls) => calls.some((c) => c.method === "chat.update" && /Fleet health: 1 green, 0 amber, 0 red/.test(String(c.body.text)) && /eu\s+1 green/.test(String(c.body.text))), 20_000);
    expect((await postEvent(eventsUrl, SIGNING_SECRET, { type: "app_home_opened", user: "U0ONCALL", channel: "D0001", tab: "home" })).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === "views.publish"));
    const home = slack.callsOf("views.publish").at(-1)!;
    expect(home.body.user_id).toBe("U0ONCALL");
    expect(JSON.stringify(home.body.view)).toMatch(/\*1\* green/);
  });

  it("refuses requests with a bad or stale signature with 401", async () => {
    const body = slashCommandBody("onboard evil eu", { responseUrl: slack.responseUrl("x") });
    expect((await postSigned(eventsUrl, "not-the-secret", body)).status).toBe(401);
    expect((await postSigned(eventsUrl, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await postSigned(eventsUrl, SIGNING_SECRET, body, { signature: "v0=deadbeef" })).status).toBe(401);
    expect(await qoem.registry.get("evil")).toBeUndefined();
  });
});
