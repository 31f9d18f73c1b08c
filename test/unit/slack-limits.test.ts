// Slack's limits, the checker every fake-Slack call goes through, and the pure pieces of the native
// surfaces held to it at their extremes: did-you-mean, a fleet of the longest names in pages and as
// CSV, the onboarding form with hundreds of templates or none readable, and how a submission is read.
import { describe, expect, it } from "vitest";
import { checkSlackPayload } from "../support/check-slack-payload.ts";
import { closestNames, didYouMean, editDistance } from "../../src/commands/closest-names.ts";
import { parseCommand, type ParseContext } from "../../src/commands/parse-command.ts";
import { CSV_ACTION, FLEET_PAGE_SIZE, NEXT_PAGE_ACTION, fleetCsv, fleetPageMessage, pageOfFleet, type FleetResult } from "../../src/chat/slack/fleet-page.ts";
import { onboardFormView, readOnboardForm, type FormValues } from "../../src/chat/slack/onboard-form.ts";
import { lineSections } from "../../src/chat/slack/slack-blocks.ts";
import { sparkline } from "../../src/chat/slack/home-view.ts";
import { cloudRegionCodes } from "../../adapters/qlik-cloud/regions.ts";

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const button = (i: number) => ({ type: "button", action_id: `a${i}`, text: { type: "plain_text", text: "b" }, value: "v" });

describe("the Slack payload checker", () => {
  it("accepts a message within every limit and refuses each limit crossed", () => {
    expect(checkSlackPayload("chat.postMessage", { channel: "C1", text: "t", blocks: Array.from({ length: 50 }, () => section("x".repeat(3000))) })).toEqual([]);
    expect(checkSlackPayload("chat.postMessage", { channel: "C1", text: "t", blocks: Array.from({ length: 51 }, () => section("x")) })).toEqual(["chat.postMessage: 51 blocks (at most 50)"]);
    expect(checkSlackPayload("chat.update", { text: "t", blocks: [section("x".repeat(3001))] })[0]).toMatch(/3001 characters \(at most 3000\)/);
    expect(checkSlackPayload("response_url", { text: "t", blocks: [{ type: "actions", elements: Array.from({ length: 26 }, (_, i) => button(i)) }] })[0]).toMatch(/26 elements \(at most 25\)/);
    const select = { type: "static_select", action_id: "s", options: Array.from({ length: 101 }, (_, i) => ({ text: { type: "plain_text", text: `o${i}` }, value: `o${i}` })) };
    expect(checkSlackPayload("views.open", { view: { type: "modal", title: { type: "plain_text", text: "t" }, blocks: [{ type: "input", label: { type: "plain_text", text: "l" }, element: select }] } })[0]).toMatch(/101 options \(at most 100\)/);
    expect(checkSlackPayload("views.open", { view: { type: "modal", title: { type: "plain_text", text: "x".repeat(25) }, blocks: [] } })[0]).toMatch(/title: text of 25 characters/);
    expect(checkSlackPayload("chat.postMessage", { channel: "C1", blocks: [section("x")] })).toEqual(["chat.postMessage: blocks without a text fallback"]);
    expect(checkSlackPayload("chat.postMessage", { channel: "C1", text: "x".repeat(40_001) })[0]).toMatch(/40001 characters/);
    expect(checkSlackPayload("views.publish", { view: { type: "home", blocks: Array.from({ length: 101 }, () => section("x")) } })).toEqual(["views.publish: 101 blocks (at most 100)"]);
    expect(checkSlackPayload("chat.postMessage", { channel: "C1", text: "t", attachments: [{ color: "#fff", blocks: [section("")] }] })[0]).toMatch(/empty section text/);
  });

  it("packs any number of long lines into sections within 3,000 characters", () => {
    const blocks = lineSections(Array.from({ length: 500 }, (_, i) => `${i} ${"y".repeat(400)}`), 10);
    expect(blocks).toHaveLength(10);
    expect(checkSlackPayload("chat.postMessage", { channel: "C1", text: "t", blocks })).toEqual([]);
    expect(JSON.stringify(blocks.at(-1))).toMatch(/… and \d+ more/);
  });
});

describe("did you mean", () => {
  it("finds the closest command or customer, counting a swap as one edit, and nothing when nothing is close", () => {
    const commands = ["onboard", "offboard", "reactivate", "abandon", "health", "status", "list", "audit", "help", "approve", "reject"];
    expect(closestNames("onbord", commands, 1)).toEqual(["onboard"]);
    expect(closestNames("stauts", commands, 1)).toEqual(["status"]);
    expect(closestNames("xyzzy", commands)).toEqual([]);
    expect(editDistance("acme", "acem")).toBe(1);
    expect(closestNames("acme", ["acme-eu", "acne", "globex", "acme"])).toEqual(["acme-eu", "acne"]);
    expect(didYouMean(["a", "b", "c"])).toBe("; did you mean a, b or c?");
    expect(didYouMean([])).toBe("");
    const parsed = parseCommand("helth acme");
    expect(parsed.ok ? "" : parsed.error.reason).toBe("unknown command 'helth'; did you mean health?");
    const far = parseCommand("deploy acme");
    expect(far.ok ? "" : far.error.reason).toMatch(/unknown command 'deploy' \(commands: onboard, /);
  });
});

describe("a fleet of 2,000 with the longest names, in pages", () => {
  const longest = (i: number) => `c${String(i).padStart(4, "0")}-${"x".repeat(34)}`;
  const fleet: FleetResult = {
    rows: Array.from({ length: 2000 }, (_, i) => ({ customer: longest(i), where: cloudRegionCodes[i % cloudRegionCodes.length]!, deployment: "own tenant", status: i % 2 ? "active" : "onboard-failed", tenantStatus: "active", hostname: `${longest(i)}.${"h".repeat(20)}.qlikcloud.com` })),
    sharedPlaces: [],
    byWhere: [],
    live: true,
    unknownTenants: Array.from({ length: 300 }, (_, i) => ({ id: `t${i}`, name: longest(i), hostname: `${longest(i)}.eu.qlikcloud.com` })),
    goneTenants: [],
    pendingApprovals: Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, customer: longest(i), operation: "offboard", requestedBy: "U1", expiresAt: 0 })),
  };

  it("keeps every page within Slack's limits, with counts, and a Next page button until the last", () => {
    for (let offset = 0; offset < 2000; offset += FLEET_PAGE_SIZE) {
      const m = fleetPageMessage(pageOfFleet(fleet, offset, "list.r1", "all"));
      expect(checkSlackPayload("response_url", m)).toEqual([]);
      const actions = JSON.stringify(m.blocks.filter((b) => b.type === "actions"));
      expect(actions.includes(NEXT_PAGE_ACTION)).toBe(offset + FLEET_PAGE_SIZE < 2000);
      expect(actions).toContain(CSV_ACTION);
    }
    const first = JSON.stringify(fleetPageMessage(pageOfFleet(fleet, 0, "list.r1", "all")).blocks);
    expect(first).toContain("2,000 customers (all)");
    expect(first).toContain("active *1,000*");
    expect(first).toContain("… and 35 more pending approvals");
  });

  it("writes the whole fleet as CSV, quoting what a spreadsheet would misread", () => {
    const csv = fleetCsv([...fleet.rows, { customer: "=cmd()", where: "eu", deployment: "own tenant", status: "active", hostname: 'a,"b"' }]);
    const lines = csv.split("\r\n");
    expect(lines).toHaveLength(2003);
    expect(lines.at(-2)).toBe(`"'=cmd()",eu,own tenant,active,,"a,""b"""`);
  });
});

describe("the onboarding form", () => {
  const ctx: ParseContext = {
    sites: ["local", "onprem"],
    placement: { options: [{ target: { kind: "cloud", region: "eu" }, country: "IE" }, { target: { kind: "cloud", region: "us" }, country: "US" }, { target: { kind: "client-managed", site: "local" }, country: "CH" }] },
  };

  it("offers at most 100 templates and lets the user type names when a read failed or was cut", () => {
    const view = onboardFormView(ctx, { templates: [{ target: { kind: "cloud", region: "eu" }, read: { ok: true, value: Array.from({ length: 250 }, (_, i) => `Template ${i}`) } }, { target: { kind: "client-managed", site: "local" }, read: { ok: false, why: "site local has no stream named 'OEM templates'" } }], features: { ok: false, why: "the licence answer was 503" } }, "{}", true);
    expect(checkSlackPayload("views.update", { view })).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain("qoem could not read the templates (site local: site local has no stream named 'OEM templates')");
    expect(text).toContain('"block_id":"templates_typed"');
    expect(text).toContain("The licence could not be read");
    expect(text).toContain('"value":"direct-query"');
    expect(text).toContain('"block_id":"channel"');
    expect(text).toContain('"value":"onprem"');
  });

  const values = (over: Record<string, object>): FormValues => ({
    name: { value: { value: "acme" } },
    where: { value: { selected_option: { value: "eu" } } },
    ...over,
  } as FormValues);

  it("reads a submission as the command a user would type, or names the field that is wrong", () => {
    const good = readOnboardForm(values({ templates: { value: { selected_options: [{ value: "c|Sales Overview" }] } }, features: { value: { selected_options: [{ value: "alerting" }] } }, dry_run: { value: { selected_options: [{ value: "dry-run" }] } } }), ctx);
    expect(good).toMatchObject({ ok: true, text: 'onboard acme eu --template "Sales Overview" --features alerting --dry-run' });
    const typed = parseCommand(good.ok ? good.text : "", ctx);
    expect(good.ok && typed.ok ? typed.command : undefined).toEqual(good.ok ? good.command : "");
    expect(readOnboardForm(values({ name: { value: { value: "all" } } }), ctx)).toEqual({ ok: false, errors: { name: "that word is reserved and cannot name a customer" } });
    expect(readOnboardForm(values({ where: { value: { selected_option: { value: "mars" } } } }), ctx)).toMatchObject({ ok: false, errors: { where: expect.stringMatching(/unknown region or site 'mars'/) } });
    expect(readOnboardForm(values({ where: { value: { selected_option: { value: "local" } } }, features: { value: { selected_options: [{ value: "alerting" }] } } }), ctx)).toMatchObject({ ok: false, errors: { features: expect.stringMatching(/only offered by Qlik Cloud/) } });
    expect(readOnboardForm(values({ templates_typed: { value: { value: "Sales, Bad*Name" } } }), ctx)).toMatchObject({ ok: false, errors: { templates_typed: expect.stringMatching(/'Bad\*Name' is not a valid template name/) } });
    expect(readOnboardForm(values({ templates: { value: { selected_options: [{ value: "s:local|Ops" }] } } }), ctx)).toMatchObject({ ok: false, errors: { templates: "Ops is not a template of eu; pick templates of the place chosen" } });
  });
});

describe("App Home's trend", () => {
  it("draws a sparkline from the least to the most, with gaps for hours without a sweep", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([5, undefined, 5])).toBe("▄ ▄");
    expect(sparkline([undefined])).toBe("");
  });
});
