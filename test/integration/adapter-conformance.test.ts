/**
 * One suite for the adapter port (adapters/port.ts), run against every adapter on its emulator: the
 * Qlik Cloud adapter (own tenants), the client-managed site adapter and the shared-tenant adapter.
 * What the port promises: ordered steps with stable ids; a dry run that changes nothing; steps that
 * look for what they would create, so a second run makes nothing new; health as a verdict with
 * reasons; a move's source that lists and exports only its customer's apps; a template rollout's steps
 * (a new version into production, checked, and back again) that touch only their customer; an offboard
 * that touches only its customer; failures as coded QoemErrors.
 */
import { afterEach, describe, expect, it } from "vitest";
import { QoemError, type CustomerEnvironment, type DeploymentAdapter, type OnboardRequest, type StepFacts } from "../../adapters/port.ts";
import { planOnboard } from "../../src/core/plan-onboard.ts";
import { onboardRequest, startCloudFixture, tenantContents } from "../support/cloud-fixture.ts";
import { siteContents, siteRequest, startSiteFixture } from "../support/site-fixture.ts";
import { runAll, SHARED_HOST, sharedContents, sharedEnv, sharedRequest, startSharedFixture } from "../support/shared-fixture.ts";
import { newCloudVersion, newSiteVersion } from "../support/rollout-fixture.ts";
import type { CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";

/** The content of the app a customer's production space publishes under `name`, on a Qlik Cloud tenant (its own, or the shared one). */
function cloudProduction(emulator: CloudEmulator, host: string | undefined, spaceName: string, name: string): string | undefined {
  const tenant = host ? emulator.state.tenantByHost(host) : undefined;
  if (!tenant) return undefined;
  const data = emulator.state.dataOf(tenant.id);
  const space = [...data.spaces.values()].find((x) => x.type === "managed" && x.name === spaceName);
  return [...data.apps.values()].find((a) => a.spaceId === space?.id && a.name === name && a.published)?.content.toString();
}

/** What the suite needs of one adapter: it, a request and an environment per customer, and what a customer owns, as data. */
interface Subject {
  adapter: DeploymentAdapter;
  request(customer: string): OnboardRequest;
  env(customer: string, facts: StepFacts): CustomerEnvironment;
  owns(customer: string): unknown;
  /** A target of another kind, which this adapter must refuse. */
  foreign: OnboardRequest["target"];
  /** The OEM ships a new version of a template in this adapter's source. */
  newVersion(template: string, content: string): void;
  /** The content of the customer's published app of that name. */
  production(customer: string, facts: StepFacts, template: string): string | undefined;
  close(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  "Qlik Cloud (own tenant)": async () => {
    const f = await startCloudFixture();
    return {
      adapter: f.adapter,
      request: (c) => onboardRequest(c),
      env: (c, facts) => ({ customer: c, target: { kind: "cloud", region: "eu" }, ...(facts.tenantId ? { tenantId: facts.tenantId } : {}), ...(facts.hostname ? { hostname: facts.hostname } : {}) }),
      owns: (c) => ({ ...tenantContents(f.emulator, c), status: [...f.emulator.state.tenants.values()].filter((t) => t.name === c).map((t) => t.status) }),
      foreign: { kind: "client-managed", site: "onprem" },
      newVersion: (template, content) => newCloudVersion(f.emulator, template, content),
      production: (c, facts, template) => cloudProduction(f.emulator, facts.hostname, `${c}-production`, template),
      close: f.close,
    };
  },
  "client-managed site": async () => {
    const f = await startSiteFixture();
    return {
      adapter: f.adapter,
      request: (c) => siteRequest(c),
      env: (c) => ({ customer: c, target: { kind: "client-managed", site: "onprem" } }),
      owns: (c) => siteContents(f.emulator, c),
      foreign: { kind: "shared", tenant: "shared" },
      newVersion: (template, content) => newSiteVersion(f.emulator, template, content),
      production: (c, _facts, template) => [...f.emulator.state.apps.values()].find((a) => a.name === template && a.stream?.name === c)?.content,
      close: f.close,
    };
  },
  "shared tenant": async () => {
    const f = await startSharedFixture();
    return {
      adapter: f.adapter,
      request: (c) => sharedRequest(c),
      env: (c) => sharedEnv(c),
      owns: (c) => sharedContents(f.emulator, c),
      foreign: { kind: "cloud", region: "eu" },
      newVersion: (template, content) => newCloudVersion(f.emulator, template, content),
      production: (c, _facts, template) => cloudProduction(f.emulator, SHARED_HOST, `${c}-production`, template),
      close: f.close,
    };
  },
};

let subject: Subject | undefined;
afterEach(async () => {
  await subject?.close();
  subject = undefined;
});

describe.each(Object.keys(subjects))("the adapter port: %s", (name) => {
  const start = async () => (subject = await subjects[name]!());

  it("gives ordered steps with unique ids and titles, and refuses a target of another kind with a coded error", async () => {
    const s = await start();
    const steps = s.adapter.onboardSteps(s.request("acme"));
    expect(steps.length).toBeGreaterThan(1);
    expect(new Set(steps.map((x) => x.id)).size).toBe(steps.length);
    expect(steps.every((x) => x.title.length > 0)).toBe(true);
    let refused: unknown;
    try {
      s.adapter.onboardSteps({ ...s.request("acme"), target: s.foreign });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(QoemError);
    expect(refused).toMatchObject({ code: "user_error", retryable: false });
  });

  it("plans with reads only: a dry run changes nothing", async () => {
    const s = await start();
    const before = s.owns("acme");
    const plan = await planOnboard(s.adapter, s.request("acme"));
    expect(plan.map((p) => p.id)).toEqual(s.adapter.onboardSteps(s.request("acme")).map((x) => x.id));
    expect(s.owns("acme")).toEqual(before);
  });

  it("makes nothing new on a second run: every step finds what the first made", async () => {
    const s = await start();
    const first = await runAll(s.adapter, s.request("acme"));
    const made = s.owns("acme");
    const second = await runAll(s.adapter, s.request("acme"), { ...first.facts });
    expect(second.outcomes.filter((o) => o.outcome === "created")).toEqual([]);
    expect(s.owns("acme")).toEqual(made);
  });

  it("reports health as a verdict with reasons, green for a customer just onboarded", async () => {
    const s = await start();
    const { facts } = await runAll(s.adapter, s.request("acme"));
    const report = await s.adapter.health(s.env("acme", facts));
    expect(report).toMatchObject({ customer: "acme", verdict: "green", reasons: [] });
    expect(Number.isNaN(Date.parse(report.checkedAt))).toBe(false);
  });

  it("as a move's source: lists the customer's apps with names and sizes, none of another's, and exports each one's file", async () => {
    const s = await start();
    const a = await runAll(s.adapter, s.request("acme"));
    const g = await runAll(s.adapter, s.request("globex"));
    const transfer = s.adapter.apps;
    expect(transfer, "every adapter is a move's source").toBeDefined();
    const mine = await transfer!.listApps(s.env("acme", a.facts));
    const theirs = await transfer!.listApps(s.env("globex", g.facts));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((x) => x.name)).toEqual([...mine.map((x) => x.name)].sort((x, y) => x.localeCompare(y)));
    expect(mine.filter((x) => theirs.some((t) => t.id === x.id))).toEqual([]);
    const before = s.owns("acme");
    for (const app of mine) expect((await transfer!.exportApp(s.env("acme", a.facts), app)).byteLength, app.name).toBe(app.sizeBytes);
    expect(s.owns("acme")).toEqual(before);
  });

  it("rolls a template's new version into one customer's production, checks it, and puts the previous one back, touching nothing of another's", async () => {
    const s = await start();
    const a = await runAll(s.adapter, s.request("acme"));
    const g = await runAll(s.adapter, s.request("globex"));
    const template = "Sales Overview";
    const rollout = s.adapter.rollout;
    expect(rollout, "every adapter rolls templates out").toBeDefined();
    const env = s.env("acme", a.facts);
    const other = s.owns("globex");
    const before = s.owns("acme");
    const previous = s.production("acme", a.facts, template);
    expect(previous).toBeTruthy();
    s.newVersion(template, "QVF conformance next\n");
    const version = await rollout!.templateVersion(template, env.target);
    expect(version.template).toBe(template);
    const published = await rollout!.findPublished(env, template);
    expect(published?.appId).toBeTruthy();
    expect(await rollout!.findPublished(env, "No Such Template")).toBeUndefined();
    const kept = await rollout!.keep(env, template, published!);
    const staged = await rollout!.stage(env, version, published!);
    await rollout!.replace(env, staged.appId, published!);
    expect(s.production("acme", a.facts, template)).toContain("QVF conformance next");
    expect(await rollout!.reloadAndCheck(env, published!.appId, { vCustomerId: "acme", vCustomerName: "acme" })).toMatchObject({ ok: true });
    await rollout!.restore(env, kept.appId, published!);
    await rollout!.finish(env, { stagedAppId: staged.appId, keptAppId: kept.appId }, "rolled-back");
    expect(s.production("acme", a.facts, template)).toBe(previous);
    expect(s.owns("acme")).toEqual(before);
    expect(s.owns("globex")).toEqual(other);
    expect(s.production("globex", g.facts, template)).not.toContain("QVF conformance next");
  });

  it("updates one customer's production, and once the previous app it kept is removed (twice, as a resumed removal may) owns as much as before", async () => {
    const s = await start();
    const a = await runAll(s.adapter, s.request("acme"));
    const g = await runAll(s.adapter, s.request("globex"));
    const template = "Sales Overview";
    const rollout = s.adapter.rollout!;
    const env = s.env("acme", a.facts);
    const other = s.owns("globex");
    const before = s.owns("acme");
    s.newVersion(template, "QVF conformance update\n");
    const version = await rollout.templateVersion(template, env.target);
    const published = (await rollout.findPublished(env, template))!;
    const kept = await rollout.keep(env, template, published);
    const staged = await rollout.stage(env, version, published);
    await rollout.replace(env, staged.appId, published);
    expect(await rollout.reloadAndCheck(env, published.appId, { vCustomerId: "acme", vCustomerName: "acme" })).toMatchObject({ ok: true });
    await rollout.finish(env, { stagedAppId: staged.appId, keptAppId: kept.appId }, "updated");
    await rollout.removeKept(env, kept.appId);
    // Gone twice is fine: a resumed removal finds nothing.
    await rollout.removeKept(env, kept.appId);
    expect(s.production("acme", a.facts, template)).toContain("QVF conformance update");
    expect(s.owns("acme")).toEqual(before);
    expect(s.owns("globex")).toEqual(other);
    expect(s.production("globex", g.facts, template)).not.toContain("QVF conformance update");
  });

  it("offboards one customer and touches nothing of another's", async () => {
    const s = await start();
    const a = await runAll(s.adapter, s.request("acme"));
    await runAll(s.adapter, s.request("globex"));
    const other = s.owns("globex");
    const before = s.owns("acme");
    const result = await s.adapter.offboard(s.env("acme", a.facts), { purgeAfterDays: 30 });
    expect(typeof result.status).toBe("string");
    expect(result.detail.length).toBeGreaterThan(0);
    expect(s.owns("acme")).not.toEqual(before);
    expect(s.owns("globex")).toEqual(other);
    await s.adapter.close();
  });
});
