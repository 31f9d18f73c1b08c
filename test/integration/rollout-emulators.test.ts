// The emulators refuse what Qlik refuses on the endpoints a rollout uses: reloads (variables past @qlik/api's limits, an unknown app or reload), a republish from another app unless the origin check is off, a duplicate engine variable; and they carry the tags a version can be named by.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createRequire } from "node:module";
import enigma from "enigma.js";
import WebSocket from "ws";
import { startCloudEmulator, type CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults, emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { startSiteFixture } from "../support/site-fixture.ts";
import { TEMPLATE_STREAM } from "../../adapters/client-managed/emulator/site-state.ts";
import { QrsClient } from "../../adapters/client-managed/qrs-client.ts";
import { emulatedSite } from "../../src/create-adapters.ts";

let emu: CloudEmulator | undefined;
let site: Awaited<ReturnType<typeof startSiteFixture>> | undefined;
afterEach(async () => {
  await emu?.close();
  if (emu) expect(emu.contract.violations).toEqual([]);
  await site?.close();
  emu = undefined;
  site = undefined;
});

async function seededTenant(e: CloudEmulator) {
  const res = await fetch(`${e.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: 1, region: "eu", prefix: "emu-", apps: ["Sales Overview"] }) });
  const { tenants } = z.object({ tenants: z.array(z.object({ id: z.string(), hostname: z.string() })) }).parse(await res.json());
  const tenant = tenants[0]!;
  const creds = emulatorRegionClient("eu");
  const tok = await fetch(`${e.hostUrl(tenant.hostname)}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });
  const token = ((await tok.json()) as { access_token: string }).access_token;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${e.hostUrl(tenant.hostname)}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const apps = [...e.state.dataOf(tenant.id).apps.values()];
  return { call, staged: apps.find((a) => !a.published)!, published: apps.find((a) => a.published)!, data: e.state.dataOf(tenant.id) };
}

describe("rollout endpoints of the emulators", () => {
  it("queues a reload with at most 20 variables of up to 256 characters, refuses unknown apps and reloads, and ends it", async () => {
    emu = await startCloudEmulator(emulatorDefaults());
    const { call, published } = await seededTenant(emu);
    expect((await call("POST", "/api/v1/reloads", { partial: false })).status).toBe(400);
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`v${i}`, "x"]));
    expect((await call("POST", "/api/v1/reloads", { appId: published.id, variables: tooMany })).status).toBe(400);
    expect((await call("POST", "/api/v1/reloads", { appId: published.id, variables: { v: "x".repeat(257) } })).status).toBe(400);
    expect((await call("POST", "/api/v1/reloads", { appId: "no-such-app" })).status).toBe(404);
    const queued = await call("POST", "/api/v1/reloads", { appId: published.id, variables: { vCustomerId: "emu-0" } });
    expect(queued.status).toBe(201);
    const reload = z.object({ id: z.string(), status: z.string() }).parse(await queued.json());
    expect(reload.status).toBe("QUEUED");
    expect((await call("GET", "/api/v1/reloads/nope")).status).toBe(404);
    await expect.poll(async () => ((await (await call("GET", `/api/v1/reloads/${reload.id}`)).json()) as { status: string }).status).toBe("SUCCEEDED");
  });

  it("republishes from another app only when told not to check the origin, and only over a published app", async () => {
    emu = await startCloudEmulator(emulatorDefaults());
    const { call, staged, published, data } = await seededTenant(emu);
    const other = data.addApp("Sales Overview", staged.spaceId, Buffer.from("v2"), { ownerId: staged.ownerId });
    expect((await call("PUT", `/api/v1/apps/${other.id}/publish`, { targetId: published.id })).status).toBe(400);
    expect((await call("PUT", `/api/v1/apps/${other.id}/publish`, { targetId: staged.id, checkOriginAppId: false })).status).toBe(400);
    expect((await call("PUT", `/api/v1/apps/${other.id}/publish`, { targetId: published.id, checkOriginAppId: false })).status).toBe(200);
    expect(published.content.toString()).toBe("v2");
    expect(published.originAppId).toBe(other.id);
  });

  it("refuses a second engine variable of one name and reports a reload whose script misses a variable as failed", async () => {
    site = await startSiteFixture();
    const state = site.emulator.state;
    const stream = [...state.streams.values()].find((s) => s.name === TEMPLATE_STREAM)!;
    const app = [...state.apps.values()].find((a) => a.stream?.id === stream.id)!;
    app.content = "QVF\nrequires-variable: vCustomerId\n";
    const require = createRequire(import.meta.url);
    const session = enigma.create({
      schema: require("enigma.js/schemas/12.2027.0.json") as object,
      url: `${site.emulator.engineUrl}/app/${app.id}`,
      createSocket: ((u: string) => new WebSocket(u, { headers: { "X-Qlik-User": "UserDirectory=INTERNAL; UserId=sa_repository" } })) as unknown as (url: string) => globalThis.WebSocket,
    });
    try {
      const global = (await session.open()) as unknown as { openDoc(id: string): Promise<{ createVariableEx(p: object): Promise<unknown>; doReload(m: number, p: boolean, d: boolean): Promise<boolean> }> };
      const doc = await global.openDoc(app.id);
      expect(await doc.doReload(0, false, false)).toBe(false);
      await doc.createVariableEx({ qInfo: { qType: "variable" }, qName: "vCustomerId", qDefinition: "'acme'" });
      await expect(doc.createVariableEx({ qInfo: { qType: "variable" }, qName: "vCustomerId", qDefinition: "'beta'" })).rejects.toMatchObject({ code: 3 });
      expect(await doc.doReload(0, false, false)).toBe(true);
      expect(app.variables).toEqual({ vCustomerId: "'acme'" });
    } finally {
      await session.close();
    }
  });

  it("carries apps' tags: items show them in meta.tags as Qlik's specification shapes them; QRS makes tags (a name of at most 255 characters) and refuses an app update naming an unknown one", async () => {
    emu = await startCloudEmulator(emulatorDefaults());
    const { call, published } = await seededTenant(emu);
    published.tags = [{ id: "t1", name: "version:2.0" }];
    const items = (await (await call("GET", `/api/v1/items?resourceType=app&resourceId=${published.id}`)).json()) as { data: Array<{ resourceId: string; meta: { tags: unknown[] } }> };
    expect(items.data.find((i) => i.resourceId === published.id)?.meta.tags).toEqual([{ id: "t1", name: "version:2.0" }]);

    site = await startSiteFixture();
    const qrs = new QrsClient(emulatedSite(site.emulator.qrsUrl, site.emulator.engineUrl));
    await expect(qrs.raw("POST", "/qrs/tag", { body: {} })).rejects.toThrow(/HTTP 400/);
    await expect(qrs.raw("POST", "/qrs/tag", { body: { name: "v".repeat(256) } })).rejects.toThrow(/HTTP 400/);
    const made = await qrs.raw("POST", "/qrs/tag", { body: { name: "version:3.1" } });
    expect(made.status).toBe(201);
    const tag = z.object({ id: z.string(), name: z.string() }).parse(JSON.parse(made.text));
    const app = [...site.emulator.state.apps.values()].find((a) => a.stream?.name === TEMPLATE_STREAM)!;
    const read = async () => JSON.parse((await qrs.raw("GET", `/qrs/app/${app.id}`)).text) as { modifiedDate: string; tags: unknown[] };
    await expect(qrs.raw("PUT", `/qrs/app/${app.id}`, { body: { ...(await read()), tags: [{ id: "00000000-0000-0000-0000-000000000000" }] } })).rejects.toMatchObject({ code: "not_found" });
    expect((await qrs.raw("PUT", `/qrs/app/${app.id}`, { body: { ...(await read()), tags: [{ id: tag.id }] } })).status).toBe(200);
    const { tags: _tags, ...withoutTags } = await read();
    expect((await qrs.raw("PUT", `/qrs/app/${app.id}`, { body: withoutTags })).status).toBe(200);
    expect((await read()).tags).toEqual([{ id: tag.id, name: "version:3.1", privileges: null }]);
    const listed = JSON.parse((await qrs.raw("GET", "/qrs/tag/full", { query: { filter: "name eq 'version:3.1'" } })).text) as Array<{ id: string }>;
    expect(listed.map((t) => t.id)).toEqual([tag.id]);
  });
});
