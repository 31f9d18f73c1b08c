// Slack's native surfaces over its HTTP contract: signed slash commands, button clicks and form
// submissions through Bolt's receiver, answered on a fake Slack that refuses (and fails the test on)
// any payload over Slack's limits. The onboarding form, Block Kit answers, a fleet of 2,000 in pages
// and as CSV, did-you-mean, and App Home's approvals for approvers only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack, SlackCall } from "../support/fake-slack.ts";
import { buttonClick, homeButtonClick, postEvent, postInteraction, postSigned, slashCommandBody, viewSubmission } from "../support/slack-requests.ts";
import type { TestQoem } from "../support/start-test-qoem.ts";
import { startSlackQoem } from "../support/start-slack-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { NEW_CUSTOMER_ACTION, ONBOARD_VIEW } from "../../src/chat/slack/onboard-form.ts";
import { CSV_ACTION, NEXT_PAGE_ACTION } from "../../src/chat/slack/fleet-page.ts";
import { APPROVE_ACTION } from "../../src/chat/slack/approval-blocks.ts";
import { runActionId } from "../../src/chat/slack/answer-blocks.ts";

const SECRET = "native-secret";
const ENGINEER = "U0ENGINEER";
const APPROVER = "U0APPROVER";
const READER = "U0READER";
let slack: FakeSlack;
let qoem: TestQoem;
let url: string;
let n = 0;

type Block = { type: string; block_id?: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ action_id?: string; value?: string; url?: string; text?: { text: string } }>; element?: { options?: Array<{ value: string; description?: { text: string } }>; option_groups?: Array<{ options: Array<{ value: string }> }> } };

const slash = (text: string, user = ENGINEER) => postSigned(url, SECRET, slashCommandBody(text, { user, responseUrl: slack.responseUrl(`n${n++}`) }));
/** Sends a command and returns the first post to its response_url. */
async function answerOf(text: string, user = ENGINEER): Promise<SlackCall> {
  const res = await slash(text, user);
  expect(res.status).toBe(200);
  await res.text();
  const id = `n${n - 1}`;
  await slack.answerTo(id, 20_000);
  return slack.calls.find((c) => c.method === "response_url" && c.responseId === id)!;
}
/** The post at a response_url that carries Block Kit (an operation's answer comes after its "queued" line). */
async function laidOutAnswer(id: string): Promise<SlackCall> {
  const found = () => slack.calls.find((c) => c.method === "response_url" && c.responseId === id && (c.body.blocks !== undefined || c.body.attachments !== undefined));
  await slack.waitFor(() => found() !== undefined, 20_000);
  return found()!;
}
const blocksOf = (call: { body: Record<string, unknown> }) => (call.body.blocks ?? []) as Block[];
const buttons = (blocks: Block[]) => blocks.flatMap((b) => (b.type === "actions" ? (b.elements ?? []) : []));

beforeAll(async () => {
  ({ slack, qoem, url } = await startSlackQoem("native", { secret: SECRET, engineer: ENGINEER, approver: APPROVER }));
});
afterAll(async () => {
  await qoem?.stop();
  await slack?.close();
});

describe("the onboarding form", () => {
  it("says so when the templates and the licence cannot be read, and takes typed template names", async () => {
    qoem.cloudEmulator!.faults.set([
      { method: "GET", path: "/api/v1/spaces", action: "status", status: 403 },
      { method: "GET", path: "/api/v1/licenses/overview", action: "status", status: 403 },
    ]);
    try {
      const updates = slack.callsOf("views.update").length;
      expect((await slash("onboard")).status).toBe(200);
      await slack.waitFor(() => slack.callsOf("views.update").length > updates, 20_000);
      const form = slack.callsOf("views.update").at(-1)!.body.view as { blocks: Block[] };
      const text = JSON.stringify(form.blocks);
      expect(text).toContain("qoem could not read the templates (Qlik Cloud (source tenant): ");
      expect(form.blocks.map((b) => b.block_id)).toContain("templates_typed");
      // The site's templates were read: they are still offered.
      expect(text).toContain('"value":"s:local|Sales Overview"');
      expect(text).toContain("The licence could not be read");
      expect(text).toContain('"value":"automation"');
    } finally {
      qoem.cloudEmulator!.faults.clear();
    }
  });

  it("opens on /qoem onboard alone, then offers places, the source tenant's templates and the licensed features", async () => {
    // Acked before the form is opened: the ack comes back while Slack holds views.open.
    const updatesBefore = slack.callsOf("views.update").length;
    const opensBefore = slack.calls.filter((c) => c.method === "views.open").length;
    const held = slack.hold("views.open");
    const res = await slash("onboard");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    await slack.waitFor((calls) => calls.filter((c) => c.method === "views.open").length > opensBefore);
    held.release();
    await slack.waitFor(() => slack.callsOf("views.update").length > updatesBefore);
    const opened = slack.callsOf("views.open").at(-1)!.body.view as { type: string; callback_id: string; private_metadata: string };
    expect(opened).toMatchObject({ type: "modal", callback_id: ONBOARD_VIEW });
    expect(JSON.parse(opened.private_metadata)).toEqual({ c: "C0SUPPORT" });
    const form = slack.callsOf("views.update").at(-1)!.body.view as { blocks: Block[]; submit: { text: string } };
    expect(form.submit.text).toBe("Onboard");
    const block = (id: string) => form.blocks.find((b) => b.block_id === id);
    const where = block("where")!.element!.options!;
    expect(where.map((o) => o.value)).toEqual(expect.arrayContaining(["eu", "us", "local"]));
    expect(where.find((o) => o.value === "eu")!.description!.text).toMatch(/Ireland \(eu-west-1\)/);
    expect(where.map((o) => o.value)).not.toContain("in"); // Qlik cannot create tenants there yet
    const templates = block("templates")!.element!.option_groups!.flatMap((g) => g.options.map((o) => o.value));
    expect(templates).toEqual(expect.arrayContaining(["c|Sales Overview", "c|Customer Insights", "s:local|Operations Monitor"]));
    // The emulated licence carries qlikAlerting only: the one feature offered.
    expect(JSON.stringify(block("features"))).toMatch(/"value":"alerting"/);
    expect(JSON.stringify(block("features"))).not.toMatch(/"value":"automation"/);
  });

  it("answers a bad name, or a template of another place, on that field and starts nothing", async () => {
    const before = await qoem.operations.getJobCounts();
    const values = (name: string, template = "c|Sales Overview") => ({
      name: { value: { type: "plain_text_input", value: name } },
      where: { value: { type: "static_select", selected_option: { value: "eu" } } },
      templates: { value: { type: "multi_static_select", selected_options: [{ value: template }] } },
    });
    const bad = await postInteraction(url, SECRET, viewSubmission(ENGINEER, ONBOARD_VIEW, values("Bad Name!"), JSON.stringify({ c: "C0SUPPORT" })));
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ response_action: "errors", errors: { name: expect.stringMatching(/lower-case letters/) } });
    const foreign = await postInteraction(url, SECRET, viewSubmission(ENGINEER, ONBOARD_VIEW, values("formco", "s:local|Operations Monitor"), JSON.stringify({ c: "C0SUPPORT" })));
    expect(await foreign.json()).toEqual({ response_action: "errors", errors: { templates: expect.stringMatching(/not a template of eu/) } });
    expect(await qoem.operations.getJobCounts()).toEqual(before);
    expect(await qoem.registry.get("formco")).toBeUndefined();
  });

  it("runs a good submission as the typed command would, and posts its thread with a line per step and an Open tenant button", async () => {
    const res = await postInteraction(url, SECRET, viewSubmission(ENGINEER, ONBOARD_VIEW, {
      name: { value: { type: "plain_text_input", value: "formco" } },
      where: { value: { type: "static_select", selected_option: { value: "eu" } } },
      templates: { value: { type: "multi_static_select", selected_options: [{ value: "c|Sales Overview" }] } },
      features: { value: { type: "checkboxes", selected_options: [{ value: "alerting" }] } },
      dry_run: { value: { type: "checkboxes", selected_options: [] } },
    }, JSON.stringify({ c: "C0SUPPORT" })));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const final = (c: SlackCall) => c.method === "chat.postMessage" && String(c.body.text).includes("formco is onboarded");
    await slack.waitFor((calls) => calls.some(final), 30_000);
    const parent = slack.callsOf("chat.postMessage").find((c) => String(c.body.text).includes("Onboard formco → eu"))!;
    expect(parent.body).toMatchObject({ channel: "C0SUPPORT", text: expect.stringContaining(`requested by <@${ENGINEER}>`) });
    const open = buttons(blocksOf(slack.calls.find(final)!)).find((b) => b.text?.text === "Open tenant")!;
    expect(open.url).toBe("https://formco.eu.qlikcloud.com");
    const lastProgress = slack.callsOf("chat.update").filter((c) => String(c.body.text).startsWith("onboard formco → eu")).at(-1)!;
    const lines = blocksOf(lastProgress).slice(1).map((b) => b.text!.text).join("\n");
    expect(lines).toMatch(/✅ \*Create tenant\* created: .* · \d+\.\d s/);
    expect(lines).toMatch(/✅ \*Check licensed features\*/);
    expect(tenantsNamed(qoem.cloudEmulator!, "formco")).toHaveLength(1);
    expect(await qoem.registry.get("formco")).toMatchObject({ status: "active", templates: "Sales Overview", features: "alerting", requestedBy: ENGINEER });
    const audit = await qoem.dispatch.audit.read("formco");
    expect(audit.at(-1)).toMatchObject({ user: ENGINEER, surface: "slack", action: "onboard formco eu templates=Sales Overview features=alerting", result: "queued" });
  });
});

describe("Block Kit answers", () => {
  it("answers status as a card with the host as a link, local times and safe buttons; the Health button answers with its reasons, coloured", async () => {
    const status = await answerOf("status formco");
    const text = JSON.stringify(blocksOf(status));
    expect(text).toContain("<https://formco.eu.qlikcloud.com|formco.eu.qlikcloud.com>");
    expect(text).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>/);
    expect(String(status.body.text)).toMatch(/formco: active/);
    const health = buttons(blocksOf(status)).find((b) => b.action_id === runActionId("health"))!;
    expect(health.value).toBe("health formco");
    const click = await postInteraction(url, SECRET, buttonClick(health.action_id!, health.value!, ENGINEER, slack.responseUrl("health-click"), { channel: "C0SUPPORT", ts: "1700000000.000100" }));
    expect(click.status).toBe(200);
    const answer = await laidOutAnswer("health-click");
    const attachment = (answer.body.attachments as Array<{ color: string; blocks: Block[] }>)[0]!;
    expect(attachment.color).toBe("#2eb67d");
    expect(attachment.blocks[0]!.text!.text).toMatch(/\*formco\* is \*green\*/);
  });

  it("answers help with each command's usage and an example", async () => {
    const help = await answerOf("help");
    const text = JSON.stringify(blocksOf(help));
    for (const example of ["/qoem onboard acme eu --template", "/qoem offboard acme --purge-after 30", "/qoem approve r3k9x2m7q1a", "/qoem list --region eu"]) expect(text).toContain(example);
    expect(String(help.body.text)).toMatch(/onboard &lt;customer&gt;/);
  });

  it("suggests the closest command and the closest customers", async () => {
    const res = await slash("onbord formco eu");
    expect(((await res.json()) as { text: string }).text).toMatch(/unknown command 'onbord'; did you mean onboard\?/);
    expect(String((await answerOf("health formc")).body.text)).toMatch(/qoem knows no customer named formc; did you mean formco\?/);
  });
});

describe("App Home", () => {
  it("shows a pending request with working buttons to an approver, and without them to others", async () => {
    expect(String((await answerOf("offboard formco --purge-after 15")).body.text)).toMatch(/approval r[a-z0-9]{10} is pending/);
    const id = (await qoem.dispatch.approvals.pendingFor("formco"))!.id;
    const homeOf = async (user: string) => {
      const before = slack.callsOf("views.publish").length;
      expect((await postEvent(url, SECRET, { type: "app_home_opened", user, channel: "D0001", tab: "home" })).status).toBe(200);
      await slack.waitFor(() => slack.callsOf("views.publish").slice(before).some((c) => c.body.user_id === user));
      return slack.callsOf("views.publish").slice(before).find((c) => c.body.user_id === user)!.body.view as { blocks: Block[] };
    };
    const approverHome = await homeOf(APPROVER);
    const approve = buttons(approverHome.blocks).find((b) => b.action_id === APPROVE_ACTION)!;
    expect(approve.value).toBe(id);
    expect(JSON.stringify(approverHome.blocks)).toMatch(/\*eu\*: \d+ customers/);
    for (const user of [ENGINEER, READER]) {
      const home = await homeOf(user);
      expect(buttons(home.blocks).some((b) => b.action_id === APPROVE_ACTION)).toBe(false);
      expect(JSON.stringify(home.blocks)).not.toContain(id);
    }
    // The engineer sees the New customer button and their own recent operations; a reader neither button nor operations.
    expect(buttons((await homeOf(ENGINEER)).blocks).map((b) => b.text?.text)).toContain("New customer");
    expect(JSON.stringify((await homeOf(ENGINEER)).blocks)).toContain("offboard formco --purge-after 15");
    expect(buttons((await homeOf(READER)).blocks).map((b) => b.text?.text)).not.toContain("New customer");
    // New customer opens the form, which (with no channel to come from) asks where the thread goes.
    const updates = slack.callsOf("views.update").length;
    expect((await postInteraction(url, SECRET, homeButtonClick(NEW_CUSTOMER_ACTION, "home", ENGINEER))).status).toBe(200);
    await slack.waitFor(() => slack.callsOf("views.update").length > updates);
    const form = slack.callsOf("views.update").at(-1)!.body.view as { blocks: Block[]; private_metadata: string };
    expect(form.blocks.map((b) => b.block_id)).toContain("channel");
    expect(form.private_metadata).toBe("{}");

    // A non-approver's click changes nothing; the approver's click approves and the Home tab is published again without it.
    await postInteraction(url, SECRET, homeButtonClick(APPROVE_ACTION, id, READER));
    await slack.waitFor(() => slack.callsOf("chat.postMessage").some((c) => c.body.channel === READER && /cannot approve/.test(String(c.body.text))));
    expect((await qoem.dispatch.approvals.get(id))!.status).toBe("pending");
    const published = slack.callsOf("views.publish").length;
    expect((await postInteraction(url, SECRET, homeButtonClick(APPROVE_ACTION, id, APPROVER))).status).toBe(200);
    await slack.waitFor(() => slack.callsOf("views.publish").slice(published).some((c) => c.body.user_id === APPROVER));
    expect((await qoem.dispatch.approvals.get(id))!.status).toBe("approved");
    const after = slack.callsOf("views.publish").slice(published).find((c) => c.body.user_id === APPROVER)!.body.view as { blocks: Block[] };
    expect(buttons(after.blocks).some((b) => b.value === id)).toBe(false);
    expect(JSON.stringify(after.blocks)).toContain("*Waiting for your decision* (0)");
  });
});

describe("list over 2,000 customers", () => {
  it("answers with counts and a first page under Slack's limits, pages on, and uploads the whole list as CSV", async () => {
    const places = ["eu", "us", "de", "local"];
    for (let i = 0; i < 2000; i++) {
      const where = places[i % places.length]!;
      const target = where === "local" ? { kind: "client-managed" as const, site: where } : { kind: "cloud" as const, region: where };
      const customer = `fleet-${String(i).padStart(4, "0")}`;
      await qoem.registry.claim(customer, target, ENGINEER, `seed.${customer}`, { templates: [], features: [] });
      if (i % 3 === 0) await qoem.registry.update(customer, { status: "active", hostname: `${customer}.${where}.qlikcloud.com` });
    }
    expect((await slash("list")).status).toBe(200);
    const first = await laidOutAnswer(`n${n - 1}`);
    const blocks = blocksOf(first);
    expect(blocks.length).toBeLessThanOrEqual(50);
    const all = JSON.stringify(blocks);
    expect(all).toMatch(/2,001 customers \(all\)/);
    expect(all).toMatch(/eu \*501\*/);
    expect(all).toMatch(/active \*\d{3}\*/);
    expect(all).toContain("Customers 1–25 of 2,001");
    const next = buttons(blocks).find((b) => b.action_id === NEXT_PAGE_ACTION)!;
    const click = await postInteraction(url, SECRET, buttonClick(NEXT_PAGE_ACTION, next.value!, ENGINEER, slack.responseUrl("page-2"), { channel: "C0SUPPORT", ts: "1700000001.000100" }));
    expect(click.status).toBe(200);
    const second = await laidOutAnswer("page-2");
    expect(second.body.replace_original).toBe(true);
    expect(JSON.stringify(blocksOf(second))).toContain("Customers 26–50 of 2,001");

    const csv = buttons(blocks).find((b) => b.action_id === CSV_ACTION)!;
    await postInteraction(url, SECRET, buttonClick(CSV_ACTION, csv.value!, ENGINEER, slack.responseUrl("csv"), { channel: "C0SUPPORT", ts: "1700000001.000100" }));
    await slack.waitFor(() => slack.callsOf("files.completeUploadExternal").length > 0, 20_000);
    expect(slack.callsOf("files.getUploadURLExternal")[0]!.body.filename).toMatch(/^qoem-customers-\d{4}-\d\d-\d\d\.csv$/);
    expect(slack.callsOf("files.completeUploadExternal")[0]!.body.channel_id).toBe("C0SUPPORT");
    const file = [...slack.uploads.values()][0]!;
    const rows = file.trimEnd().split("\r\n");
    expect(rows[0]).toBe("customer,where,deployment,status,tenant_status,hostname");
    expect(rows).toHaveLength(2002);
    expect(rows).toContain("fleet-0009,us,own tenant,active,,fleet-0009.us.qlikcloud.com");
    expect(slack.violations).toEqual([]);
  });
});
