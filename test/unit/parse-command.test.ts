import { describe, expect, it } from "vitest";
import { parseCommand, formatCommandError } from "../../src/commands/parse-command.ts";
import { tokenize } from "../../src/commands/tokenize.ts";

const ctx = { sites: ["onprem-fra"] };

function ok(text: string) {
  const r = parseCommand(text, ctx);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.error.reason}`);
  return r.command;
}
function fail(text: string) {
  const r = parseCommand(text, ctx);
  if (r.ok) throw new Error(`expected ${text} to fail, got ${JSON.stringify(r.command)}`);
  return r.error;
}

describe("parseCommand", () => {
  it("parses onboard with every option", () => {
    expect(ok("onboard acme eu --template 'Sales Overview' --template=Ops --features reporting,ai --dry-run")).toEqual({
      name: "onboard",
      customer: "acme",
      target: { kind: "cloud", region: "eu" },
      templates: ["Sales Overview", "Ops"],
      features: ["reporting", "ai"],
      dryRun: true,
    });
  });

  it("accepts a leading /qoem, upper-case verbs and region codes, and Slack's smart quotes", () => {
    expect(ok("/qoem ONBOARD acme EU")).toMatchObject({ target: { kind: "cloud", region: "eu" } });
    expect(ok("onboard acme eu --template \u201cSales Overview\u201d")).toMatchObject({ templates: ["Sales Overview"] });
  });

  it("resolves a configured site as a client-managed target", () => {
    expect(ok("onboard globex onprem-fra")).toMatchObject({ target: { kind: "client-managed", site: "onprem-fra" } });
  });

  it("refuses cloud-only features on a client-managed site before anything is queued", () => {
    expect(fail("onboard hooli onprem-fra --features reporting").reason).toMatch(/only offered by Qlik Cloud/);
  });

  it("parses the rest of the command set", () => {
    expect(ok("offboard acme")).toEqual({ name: "offboard", customer: "acme", purgeAfterDays: 30 });
    expect(ok("offboard acme --purge-after 15")).toEqual({ name: "offboard", customer: "acme", purgeAfterDays: 15 });
    expect(ok("offboard acme --purge-after 10")).toEqual({ name: "offboard", customer: "acme", purgeAfterDays: 10 });
    expect(ok("offboard acme --purge-after 90")).toEqual({ name: "offboard", customer: "acme", purgeAfterDays: 90 });
    expect(ok("reactivate acme")).toEqual({ name: "reactivate", customer: "acme" });
    expect(ok("health")).toEqual({ name: "health", scope: { all: true } });
    expect(ok("health all")).toEqual({ name: "health", scope: { all: true } });
    expect(ok("health acme")).toEqual({ name: "health", scope: { customer: "acme" } });
    expect(ok("status acme")).toEqual({ name: "status", customer: "acme" });
    expect(ok("list --region eu --status active")).toEqual({ name: "list", region: "eu", status: "active" });
    expect(ok("list --region onprem-fra")).toEqual({ name: "list", region: "onprem-fra" });
    expect(ok("list --region fr")).toEqual({ name: "list", region: "fr" });
    expect(ok("audit")).toEqual({ name: "audit" });
    expect(ok("audit acme")).toEqual({ name: "audit", customer: "acme" });
    expect(ok("help")).toEqual({ name: "help" });
    expect(ok("help onboard")).toEqual({ name: "help", topic: "onboard" });
  });

  it.each([
    ["", /no command/],
    ["deploy acme eu", /unknown command 'deploy'/],
    ["onboard", /customer name is required/],
    ["onboard acme", /region or site is required/],
    ["onboard acme mars", /unknown region or site 'mars'/],
    ["onboard acme fr", /cannot create tenants in region 'fr' \(eu-west-3, France \(Paris\)\).*us, eu, de, uk, jp, ap, sg/],
    ["onboard acme in", /cannot create tenants in region 'in'/],
    ["onboard acme il", /cannot create tenants in region 'il'/],
    ["onboard acme ae", /cannot create tenants in region 'ae'/],
    ["onboard Acme eu", /not a valid customer name/],
    ["onboard a eu", /at least 2/],
    ["onboard acme- eu", /not a valid customer name/],
    ["onboard ac--me eu", /not a valid customer name/],
    ["onboard all eu", /reserved/],
    [`onboard ${"a".repeat(41)} eu`, /at most 40/],
    ["onboard acme eu extra", /unexpected 'extra'/],
    ["onboard acme eu --colour red", /unknown option '--colour'/],
    ["onboard acme eu --template", /--template needs a value/],
    ["onboard acme eu --features", /--features needs a value/],
    ["onboard acme eu --features teleport", /unknown feature 'teleport'/],
    ["onboard acme eu --dry-run --dry-run", /given twice/],
    ["onboard acme eu --template 'a/b'", /not a valid template name/],
    ["onboard 'acme eu", /quote is not closed/],
    ["offboard acme --purge-after 0", /10 to 90/],
    ["offboard acme --purge-after 9", /10 to 90/],
    ["offboard acme --purge-after 3.5", /10 to 90/],
    ["offboard acme --purge-after 91", /10 to 90/],
    ["offboard acme --purge-after 1000", /10 to 90/],
    ["status", /customer name is required/],
    ["list --status sleeping", /unknown status 'sleeping'/],
    ["list --region atlantis", /unknown region or site/],
    ["help teleport", /no command 'teleport'/],
    ["x".repeat(1001), /too long/],
  ])("refuses %j with a reason", (text, reason) => {
    const error = fail(text);
    expect(error.reason).toMatch(reason);
    expect(error.usage.length).toBeGreaterThan(0);
  });

  it("parses a move, its dry run and going back, and refuses what cannot be moved to", () => {
    expect(ok("move acme us --dry-run")).toEqual({ name: "move", customer: "acme", to: { kind: "cloud", region: "us" }, dryRun: true });
    expect(ok("move acme US")).toEqual({ name: "move", customer: "acme", to: { kind: "cloud", region: "us" }, dryRun: false });
    expect(ok("move acme back")).toEqual({ name: "move", customer: "acme", to: { kind: "back" }, dryRun: false });
    expect(fail("move acme").reason).toMatch(/a region to move to, or back, is required/);
    expect(fail("move acme back --dry-run").reason).toMatch(/move back has no dry run/);
    expect(fail("move acme onprem-fra").reason).toMatch(/a move goes to a Qlik Cloud region .*client-managed site such as 'onprem-fra'/);
    expect(fail("move acme fr").reason).toMatch(/Qlik cannot create tenants in region 'fr'/);
    expect(fail("move acme mars").reason).toMatch(/unknown region 'mars'/);
    expect(fail("move acme us extra").reason).toMatch(/unexpected 'extra'/);
    const withShared = parseCommand("move acme oem-us", { ...ctx, sharedTenants: ["oem-us"] });
    expect(withShared.ok ? undefined : withShared.error.reason).toMatch(/a customer is not moved into a shared tenant such as 'oem-us'; onboard a new customer there with \/qoem onboard <customer> oem-us, or move to a region/);
    expect(fail("move acme remove-source").reason).toMatch(/unknown region 'remove-source'/);
  });

  it("parses rollouts and their controls", () => {
    expect(ok('rollout "Sales Overview"')).toEqual({ name: "rollout", action: "start", template: "Sales Overview", scope: { kind: "all" }, dryRun: false });
    expect(ok('rollout "Sales Overview" --dry-run --region EU --canary 3 --threshold 20%')).toEqual({ name: "rollout", action: "start", template: "Sales Overview", scope: { kind: "region", region: "eu" }, dryRun: true, canary: 3, thresholdPct: 20 });
    expect(ok("rollout Ops --site onprem-fra")).toMatchObject({ scope: { kind: "site", site: "onprem-fra" } });
    expect(ok("rollout Ops --customers acme,globex,acme")).toMatchObject({ scope: { kind: "customers", customers: ["acme", "globex"] } });
    expect(ok("rollout status ro12345678")).toEqual({ name: "rollout", action: "status", rolloutId: "ro12345678" });
    expect(ok("rollout CANCEL ro12345678")).toEqual({ name: "rollout", action: "cancel", rolloutId: "ro12345678" });
    // A template named like a control word is still a template when no id follows.
    expect(ok("rollout status")).toMatchObject({ action: "start", template: "status" });
  });

  it.each([
    ["rollout", /template name is required/],
    ['rollout "Sales Overview" --region eu --site onprem-fra', /one of --region, --site or --customers/],
    ['rollout "Sales Overview" --region mars', /unknown region/],
    ['rollout "Sales Overview" --site nowhere', /unknown site/],
    ['rollout "Sales Overview" --customers Acme', /not a valid customer name/],
    ['rollout "Sales Overview" --canary -1', /--canary/],
    ['rollout "Sales Overview" --canary 2.5', /whole number/],
    ['rollout "Sales Overview" --threshold 150', /from 0 to 100/],
    ['rollout "a/b"', /not a valid template name/],
    ["rollout pause r12", /not a rollout id/],
    ["rollout resume ro12345678 --canary 2", /takes only a rollout id/],
    ["rollout run ro12345678", /unexpected/],
  ])("refuses %j with a reason", (text, reason) => {
    expect(fail(text).reason).toMatch(reason);
  });

  it("formats an error as one reason line plus the usage line", () => {
    const text = formatCommandError(fail("onboard acme mars"));
    const lines = text.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("Usage: /qoem onboard <customer> <region-site-or-shared-tenant> | --residency CODE [--template NAME] [--features LIST] [--personal-data] [--dry-run]");
  });

  it("echoes hostile input clipped and without control characters", () => {
    const error = fail(`onboard ${"\u0007x".repeat(60)} eu`);
    expect(error.reason).not.toMatch(/\u0007/);
    expect(error.reason.length).toBeLessThan(250);
  });
});

describe("tokenize", () => {
  it("groups quoted words and keeps empty quotes as a token", () => {
    expect(tokenize(`a "b c" 'd' ""`)).toEqual(["a", "b c", "d", ""]);
  });
});
