// Webhooks and reload filters as Qlik's specification describes them: https targets, known event types, data.status only for the reload event alone; reloads filtered by status, partial and type with eq.
import { afterEach, describe, expect, it } from "vitest";
import { emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { onboardRequest, runSteps, startCloudFixture } from "../support/cloud-fixture.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const RELOAD = "com.qlik.v1.app.reload.finished";

async function sourceCaller() {
  const host = fixture!.emulator.sourceTenantHost;
  const creds = emulatorRegionClient("eu");
  const tokenRes = await fetch(`${fixture!.emulator.hostUrl(host)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  return (method: string, path: string, body?: unknown) =>
    fetch(`${fixture!.emulator.hostUrl(host)}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
}

describe("webhooks", () => {
  it("are refused with an http target, an unknown event type, or a data.status filter beside other events; the adapter's passes", async () => {
    fixture = await startCloudFixture();
    const call = await sourceCaller();
    const hook = (over: object) => call("POST", "/api/v1/webhooks", { name: "h", url: "https://oem.example.com/hook", eventTypes: [RELOAD], ...over });
    expect((await hook({ url: "http://oem.example.com/hook" })).status).toBe(400);
    expect((await hook({ eventTypes: ["com.qlik.v1.app.teleported"] })).status).toBe(400);
    expect((await hook({ eventTypes: [RELOAD, "com.qlik.v1.app.created"], filter: 'data.status eq "error"' })).status).toBe(400);
    expect((await hook({ filter: 'data.status eq "failed"' })).status).toBe(400);
    expect((await hook({ filter: 'name eq "x"' })).status).toBe(400);
    expect((await hook({ eventTypes: [RELOAD, "com.qlik.v1.app.created"], filter: 'spaceId eq "s1" or id ne "a1"' })).status).toBe(201);
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    expect([...fixture.emulator.state.dataOf(facts.tenantId!).webhooks.values()]).toEqual([expect.objectContaining({ eventTypes: [RELOAD], filter: 'data.status eq "error"' })]);
  });
});

describe("reload filters", () => {
  it("take status, partial and type with eq only; the adapter's health filter passes", async () => {
    fixture = await startCloudFixture();
    const call = await sourceCaller();
    const reloads = (filter: string) => call("GET", `/api/v1/reloads?appId=x&filter=${encodeURIComponent(filter)}`);
    expect((await reloads('status ne "FAILED"')).status).toBe(400);
    expect((await reloads('appId eq "x"')).status).toBe(400);
    expect((await reloads('status eq "BROKEN"')).status).toBe(400);
    expect((await reloads('(status eq "FAILED" or status eq "EXCEEDED_LIMIT") and partial eq "false" and type eq "chronos"')).status).toBe(200);
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    await fetch(`${fixture.emulator.url}/_emulator/tenants/${facts.tenantId}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ failedReloads: 2 }) });
    const health = await fixture.adapter.health({ customer: "acme", target: { kind: "cloud", region: "eu" }, tenantId: facts.tenantId!, hostname: facts.hostname! });
    expect(health.reasons.join("; ")).toMatch(/2 failed reloads in the last 24 hours/);
  });
});
