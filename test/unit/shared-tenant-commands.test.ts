// Shared tenants in the command grammar and the config: targets, the guide's refusals the parser can make alone, and the tenant's settings.
import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/commands/parse-command.ts";
import { readConfig } from "../../src/config.ts";
import { checkSharedOnboard } from "../../src/core/shared-tenant-guardrails.ts";
import type { CustomerRecord } from "../../src/core/customer-registry.ts";

const ctx = { sites: ["onprem-fra"], sharedTenants: ["shared", "oem-us"] };
const file = (text: string) => () => text;

describe("parsing a shared-tenant target", () => {
  it("onboards to a shared tenant named in the config, and lists by it", () => {
    expect(parseCommand("onboard trial-co shared", ctx)).toEqual({ ok: true, command: { name: "onboard", customer: "trial-co", target: { kind: "shared", tenant: "shared" }, templates: [], features: [], dryRun: false } });
    expect(parseCommand("list --region oem-us", ctx)).toMatchObject({ ok: true, command: { name: "list", region: "oem-us" } });
    const unknown = parseCommand("onboard trial-co other", ctx);
    expect(unknown.ok === false && unknown.error.reason).toMatch(/unknown region or site 'other' .*shared tenants: shared, oem-us/);
  });

  it("keeps --personal-data for any target, and refuses it and --residency for a shared tenant with the guide's reason and the alternative", () => {
    expect(parseCommand("onboard acme eu --personal-data", ctx)).toMatchObject({ ok: true, command: { personalData: true, target: { kind: "cloud" } } });
    const personal = parseCommand("onboard acme shared --personal-data", ctx);
    expect(personal.ok === false && personal.error.reason).toBe(
      "acme is marked as holding personal data: Qlik's OEM guide allows a shared tenant only when all users are anonymous and no personal data is held; /qoem onboard acme <region> gives acme its own tenant instead (the recommended model)",
    );
    const residency = parseCommand("onboard acme oem-us --residency US", ctx);
    expect(residency.ok === false && residency.error.reason).toMatch(/^acme needs its data kept in US: Qlik's OEM guide allows a shared tenant only for customers without data residency or encryption requirements; \/qoem onboard acme <region>/);
  });
});

describe("the guardrails' checks on the registry", () => {
  const record = (customer: string, extra: Partial<CustomerRecord> = {}): CustomerRecord => ({ customer, kind: "shared", sharedTenant: "shared", status: "active", requestedBy: "U1", requestedAt: "", updatedAt: "", ...extra });
  const request = { customer: "new", tenant: "shared", templates: [], features: [] };
  const offer = { templates: [], features: [] };

  it("counts customers not removed, and lets a customer already there onboard again", () => {
    const nine = Array.from({ length: 9 }, (_, i) => record(`c${i}`));
    expect(checkSharedOnboard(request, offer, nine)).toMatchObject({ ok: false, reason: expect.stringMatching(/already serves 9 customers/) });
    expect(checkSharedOnboard(request, offer, [...nine.slice(1), record("gone", { status: "removed" })])).toEqual({ ok: true });
    expect(checkSharedOnboard({ ...request, customer: "c0" }, offer, nine, nine[0])).toEqual({ ok: true });
  });

  it("holds every customer to the tenant's offer and to what the others have", () => {
    const offered = { templates: ["Sales Overview"], features: ["reporting"] };
    expect(checkSharedOnboard(request, offered, [])).toEqual({ ok: true });
    expect(checkSharedOnboard({ ...request, templates: ["Sales Overview"], features: ["reporting"] }, offered, [])).toEqual({ ok: true });
    expect(checkSharedOnboard({ ...request, features: ["reporting", "ai"] }, offered, [])).toMatchObject({ ok: false, reason: expect.stringMatching(/--features reporting, ai differs from what every customer of shared has \(reporting\)/) });
    // A customer admitted under an earlier offer has something else: a newcomer may not differ from it.
    expect(checkSharedOnboard(request, offered, [record("old", { templates: "Ops Monitor" })])).toMatchObject({ ok: false, reason: expect.stringMatching(/old in shared has other templates or features/) });
  });
});

describe("sharedTenants in the config", () => {
  it("reads a shared tenant with its defaults, using its region's client when it names none", () => {
    const yaml = "cloud:\n  regions:\n    us: {clientId: cid, clientSecret: sec}\nsharedTenants:\n  oem-us: {hostname: oem-shared.us.qlikcloud.com, region: us}\n";
    const c = readConfig({ QOEM_CONFIG: "x" }, file(yaml));
    expect(c.sharedTenants["oem-us"]).toEqual({ hostname: "oem-shared.us.qlikcloud.com", region: "us", templates: [], features: [], dummyEmailDomain: "users.invalid" });
  });

  it("refuses a shared tenant without a client, named like a region or a site, with alerting, or half a client", () => {
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("sharedTenants:\n  oem-us: {hostname: a.us.qlikcloud.com, region: us}\n"))).toThrow(/sharedTenants\.oem-us: give its clientId and clientSecret, or configure cloud\.regions\.us/);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("sharedTenants:\n  eu: {hostname: a.eu.qlikcloud.com, region: eu, clientId: a, clientSecret: b}\n"))).toThrow(/sharedTenants\.eu/);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file('sites:\n  fra: {engineUrl: "wss://q", qrsUrl: "https://q:4242"}\nsharedTenants:\n  fra: {hostname: a.eu.qlikcloud.com, region: eu, clientId: a, clientSecret: b}\n'))).toThrow(/sharedTenants\.fra: a site has that name/);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("sharedTenants:\n  s: {hostname: a.eu.qlikcloud.com, region: eu, clientId: a, clientSecret: b, features: [alerting]}\n"))).toThrow(/sharedTenants\.s\.features/);
    expect(() => readConfig({ QOEM_CONFIG: "x" }, file("sharedTenants:\n  s: {hostname: a.eu.qlikcloud.com, region: eu, clientId: a}\n"))).toThrow(/sharedTenants\.s/);
  });
});
