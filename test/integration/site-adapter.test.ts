// The client-managed adapter against the site emulator over real sockets (QRS over HTTP, the
// engine over WebSocket through enigma.js): onboard, health and offboard of two customers on one
// site, isolation between them, and resumption after a fault at each step.
import { afterEach, describe, expect, it } from "vitest";
import { probeEngine } from "../../adapters/client-managed/engine-session.ts";
import { expectedSite, runSiteSteps, siteContents, siteRequest, startSiteFixture } from "../support/site-fixture.ts";

let fixture: Awaited<ReturnType<typeof startSiteFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const env = (customer: string) => ({ customer, target: { kind: "client-managed" as const, site: "onprem" } });

describe("client-managed adapter", () => {
  it("onboards two customers on one site, each with exactly its own stream, rule, apps, tag and virtual proxy", async () => {
    fixture = await startSiteFixture();
    const first = await runSiteSteps(fixture.adapter, siteRequest("globex"));
    expect(first.outcomes).toEqual(["template-check:unchanged", "customer-tag:created", "stream:created", "security-rule:created", "templates:created", "virtual-proxy:created"]);
    await runSiteSteps(fixture.adapter, siteRequest("initech"));
    expect(siteContents(fixture.emulator, "globex")).toEqual(expectedSite("globex"));
    expect(siteContents(fixture.emulator, "initech")).toEqual(expectedSite("initech"));
    const again = await runSiteSteps(fixture.adapter, siteRequest("globex"));
    expect(again.outcomes).toEqual(["template-check:unchanged", "customer-tag:unchanged", "stream:adopted", "security-rule:unchanged", "templates:updated", "virtual-proxy:unchanged"]);
    expect(siteContents(fixture.emulator, "globex")).toEqual(expectedSite("globex"));
  });

  it("lets a customer's users see only their own apps through the engine", async () => {
    fixture = await startSiteFixture();
    await runSiteSteps(fixture.adapter, siteRequest("globex"));
    await runSiteSteps(fixture.adapter, siteRequest("initech"));
    const globexStream = [...fixture.emulator.state.streams.values()].find((s) => s.name === "globex")!;
    const probe = await probeEngine({ engineUrl: fixture.emulator.engineUrl, userDirectory: "GLOBEX", userId: "alice" });
    expect(probe.docs).toHaveLength(2);
    for (const d of probe.docs) expect(fixture.emulator.state.apps.get(d.id)!.stream!.id).toBe(globexStream.id);
  });

  it("reports health: green, then what is wrong when the site or the customer's area degrades", async () => {
    fixture = await startSiteFixture();
    await runSiteSteps(fixture.adapter, siteRequest("globex"));
    expect(await fixture.adapter.health(env("globex"))).toMatchObject({ verdict: "green", reasons: [] });
    const state = fixture.emulator.state;
    const app = [...state.apps.values()].find((a) => a.stream?.name === "globex")!;
    await fetch(`${fixture.emulator.url}/_emulator/reloads`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ appId: app.id, status: 8, message: "Connector error" }) });
    const amber = await fixture.adapter.health(env("globex"));
    expect(amber.verdict).toBe("amber");
    expect(amber.reasons[0]).toMatch(/1 reload task failed in the last 24 hours .*Connector error/);
    await fetch(`${fixture.emulator.url}/_emulator/health`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ saturated: true }) });
    state.services[2]!.serviceState = 3;
    [...state.rules.values()].find((r) => r.name === "qoem-globex-stream")!.disabled = true;
    const red = await fixture.adapter.health(env("globex"));
    expect(red.verdict).toBe("red");
    expect(red.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/saturated/), expect.stringMatching(/not running: Scheduler/), expect.stringMatching(/qoem-globex-stream is disabled/)]));
    await fetch(`${fixture.emulator.url}/_emulator/health`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ down: true }) });
    expect((await fixture.adapter.health(env("globex"))).reasons).toEqual(expect.arrayContaining([expect.stringMatching(/health check .* does not answer/), expect.stringMatching(/could not open/)]));
  });

  it("offboards one customer and leaves the other's stream, apps, rules and proxy untouched", async () => {
    fixture = await startSiteFixture();
    await runSiteSteps(fixture.adapter, siteRequest("globex"));
    await runSiteSteps(fixture.adapter, siteRequest("initech"));
    const before = JSON.stringify([...fixture.emulator.state.apps.values(), ...fixture.emulator.state.streams.values(), ...fixture.emulator.state.rules.values(), ...fixture.emulator.state.virtualProxies.values()].filter((e) => JSON.stringify(e).includes("initech") || JSON.stringify(e).includes("INITECH")));
    const result = await fixture.adapter.offboard(env("globex"), { purgeAfterDays: 30 });
    expect(result).toMatchObject({ status: "removed", detail: expect.stringMatching(/2 apps, rule qoem-globex-stream, stream globex, virtual proxy \/globex, tag/) });
    expect(siteContents(fixture.emulator, "globex")).toEqual({ streams: 0, streamTagged: false, apps: [], rules: [], tag: false, virtualProxies: [] });
    expect(siteContents(fixture.emulator, "initech")).toEqual(expectedSite("initech"));
    const initechEntities = [...fixture.emulator.state.apps.values(), ...fixture.emulator.state.streams.values(), ...fixture.emulator.state.rules.values(), ...fixture.emulator.state.virtualProxies.values()].filter((e) => JSON.stringify(e).includes("initech") || JSON.stringify(e).includes("INITECH"));
    expect(JSON.stringify(initechEntities)).toBe(before);
    expect([...fixture.emulator.state.apps.values()].filter((a) => a.stream?.name === "OEM templates")).toHaveLength(2);
    expect((await fixture.adapter.offboard(env("globex"), { purgeAfterDays: 30 })).detail).toMatch(/nothing of globex was left/);
    await expect(fixture.adapter.reactivate(env("globex"))).rejects.toMatchObject({ code: "unsupported" });
  });

  const faultPoints: Array<[string, string, string]> = [
    ["customer-tag", "POST", "/qrs/custompropertydefinition"],
    ["stream", "POST", "/qrs/stream"],
    ["security-rule", "POST", "/qrs/systemrule"],
    ["templates (copy)", "POST", "/copy"],
    ["templates (tag)", "PUT", "/\\/qrs\\/app\\/[0-9a-f-]{36}$/"],
    ["templates (publish)", "PUT", "/publish"],
    ["virtual-proxy", "POST", "/qrs/virtualproxyconfig"],
    ["virtual-proxy (link)", "PUT", "/qrs/proxyservice/"],
  ];

  it.each(["status", "drop-after"] as const)("resumes after a fault (%s) at each step in turn and ends with exactly one of everything", async (action) => {
    fixture = await startSiteFixture();
    for (const [i, [step, method, path]] of faultPoints.entries()) {
      const customer = `resume-${i}`;
      fixture.emulator.faults.set([{ method, path, action, ...(action === "status" ? { status: 503 } : {}), times: 1 }]);
      const facts = {};
      await expect(runSiteSteps(fixture.adapter, siteRequest(customer), facts), step).rejects.toMatchObject({ code: "transient" });
      expect(fixture.emulator.faults.list(), `${step}: the fault fired`).toEqual([]);
      await runSiteSteps(fixture.adapter, siteRequest(customer), facts);
      expect(siteContents(fixture.emulator, customer), step).toEqual(expectedSite(customer));
    }
  });
});
