// Space membership as Qlik has it: a tenant admin sees a space's apps but exports, imports and publishes only with a role there; qoem joins the templates space itself.
import { afterEach, describe, expect, it } from "vitest";
import { emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { TEMPLATE_SPACE } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { onboardRequest, runSteps, startCloudFixture } from "../support/cloud-fixture.ts";

let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function tokenFor(host: string): Promise<string> {
  const creds = emulatorRegionClient("eu");
  const res = await fetch(`${fixture!.emulator.hostUrl(host)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

function sourceWorld() {
  const emulator = fixture!.emulator;
  const tenant = emulator.state.tenantByHost(emulator.sourceTenantHost)!;
  const data = emulator.state.dataOf(tenant.id);
  const space = [...data.spaces.values()].find((s) => s.name === TEMPLATE_SPACE)!;
  const templates = [...data.apps.values()].filter((a) => a.spaceId === space.id);
  return { data, space, templates, bot: data.botFor(emulatorRegionClient("eu").clientId) };
}

describe("the emulator holds the bot to its space roles", () => {
  it("shows a tenant admin the templates but refuses export, import and publish until it holds a role that allows them", async () => {
    fixture = await startCloudFixture();
    const base = fixture.emulator.hostUrl(fixture.emulator.sourceTenantHost);
    const token = await tokenFor(fixture.emulator.sourceTenantHost);
    const call = (method: string, path: string, body?: unknown, type = "application/json") =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": type }) }, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
    const { space, templates, data } = sourceWorld();

    const spaces = (await (await call("GET", `/api/v1/spaces?name=${encodeURIComponent(TEMPLATE_SPACE)}`)).json()) as { data: Array<{ id: string; meta: { roles: string[] } }> };
    expect(spaces.data).toEqual([expect.objectContaining({ id: space.id, meta: expect.objectContaining({ roles: [] }) })]);
    const items = (await (await call("GET", `/api/v1/items?resourceType=app&spaceId=${space.id}`)).json()) as { data: unknown[] };
    expect(items.data).toHaveLength(templates.length);

    expect((await call("POST", `/api/v1/apps/${templates[0]!.id}/export`)).status).toBe(403);
    expect((await call("POST", `/api/v1/apps/import?spaceId=${space.id}&name=x`, "QVF", "application/octet-stream")).status).toBe(403);
    const managed = data.addSpace("someone's production", "managed", space.ownerId);
    expect((await call("POST", `/api/v1/apps/${templates[0]!.id}/publish`, { spaceId: managed.id })).status).toBe(403);
    // A managed space's app is not open to an admin who is no member.
    const published = data.addApp("published elsewhere", managed.id, Buffer.from("QVF"), { published: true });
    expect((await call("GET", `/api/v1/apps/${published.id}`)).status).toBe(403);

    // The roles a space takes depend on its type: publisher belongs to managed spaces.
    const me = await call("GET", "/api/v1/users/me");
    expect(me.status).toBe(200);
    const { id: myId } = (await me.json()) as { id: string };
    const wrongRole = await call("POST", `/api/v1/spaces/${space.id}/assignments`, { type: "user", assigneeId: myId, roles: ["publisher"] });
    expect(wrongRole.status).toBe(400);
    expect((await call("POST", `/api/v1/spaces/${space.id}/assignments`, { type: "user", assigneeId: myId, roles: ["consumer"] })).status).toBe(201);
    expect((await call("POST", `/api/v1/apps/${templates[0]!.id}/export`)).status).toBe(403);

    data.assignments.set(space.id, []);
    expect((await call("POST", `/api/v1/spaces/${space.id}/assignments`, { type: "user", assigneeId: myId, roles: ["producer"] })).status).toBe(201);
    expect((await call("POST", `/api/v1/apps/${templates[0]!.id}/export`)).status).toBe(201);
    expect((await call("POST", `/api/v1/apps/import?spaceId=${space.id}&name=x`, "QVF", "application/octet-stream")).status).toBe(200);
    expect((await call("POST", `/api/v1/apps/${templates[0]!.id}/publish`, { spaceId: managed.id })).status).toBe(403);
  });
});

describe("the cloud adapter joins the templates space it exports from", () => {
  it("adds its own bot user to the templates space as producer, once, and onboards", async () => {
    fixture = await startCloudFixture();
    const { facts } = await runSteps(fixture.adapter, onboardRequest("acme"));
    const { data, space, bot } = sourceWorld();
    expect(data.assignments.get(space.id)).toEqual([expect.objectContaining({ type: "user", assigneeId: bot.id, roles: ["producer"] })]);
    await runSteps(fixture.adapter, onboardRequest("beta"));
    await runSteps(fixture.adapter, onboardRequest("acme"), { ...facts });
    expect(data.assignments.get(space.id)).toHaveLength(1);
    expect(fixture.emulator.stats.operations.get("getMyUser")).toBe(1);
  });

  it("stops with what to change when it is a member without a role that exports, or the templates space is not shared", async () => {
    fixture = await startCloudFixture();
    const { data, space, bot } = sourceWorld();
    data.assignments.set(space.id, [{ id: "a1", spaceId: space.id, tenantId: data.tenantId, type: "user", assigneeId: bot.id, roles: ["consumer"], createdAt: new Date().toISOString() }]);
    await expect(runSteps(fixture.adapter, onboardRequest("acme"))).rejects.toMatchObject({ code: "config_error", message: expect.stringMatching(/member of the source tenant's templates space 'OEM templates' as consumer.*Can edit \(producer\)/) });
    await fixture.close();

    fixture = await startCloudFixture();
    const managed = sourceWorld();
    managed.space.type = "managed";
    await expect(runSteps(fixture.adapter, onboardRequest("acme"))).rejects.toMatchObject({ code: "config_error", message: expect.stringMatching(/is a managed space; Qlik exports apps only from shared spaces/) });
  });
});
