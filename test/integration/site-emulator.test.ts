// The client-managed emulator catches what a real site refuses: QRS calls without the Xrfkey pair
// or an identity, and engine sessions without one; enigma.js speaks to its engine as to Qlik's.
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import enigma from "enigma.js";
import WebSocket from "ws";
import { startSiteEmulator, type SiteEmulator } from "../../adapters/client-managed/emulator/site-emulator.ts";
import { QrsClient, newXrfkey, qrsString } from "../../adapters/client-managed/qrs-client.ts";
import { probeEngine } from "../../adapters/client-managed/engine-session.ts";
import { emulatedSite } from "../../src/create-adapters.ts";
import type { QlikCall } from "../../adapters/port.ts";

const schema = createRequire(import.meta.url)("enigma.js/schemas/12.2027.0.json") as object;
let site: SiteEmulator;
beforeAll(async () => {
  site = await startSiteEmulator();
});
afterAll(() => site.close());

const user = "UserDirectory=INTERNAL; UserId=sa_repository";
const qrsGet = (path: string, headers: Record<string, string>) => fetch(`${site.qrsUrl}${path}`, { headers });

function engineSession(identity?: string) {
  return enigma.create({
    schema,
    url: `${site.engineUrl}/app/engineData`,
    createSocket: ((u: string) => new WebSocket(u, identity ? { headers: { "X-Qlik-User": identity } } : {})) as unknown as (url: string) => globalThis.WebSocket,
  });
}

describe("QRS emulator", () => {
  it("refuses a request without a matching Xrfkey", async () => {
    const key = newXrfkey();
    expect((await qrsGet(`/qrs/about`, { "x-qlik-user": user })).status).toBe(403);
    expect((await qrsGet(`/qrs/about?xrfkey=${key}`, { "x-qlik-user": user })).status).toBe(403);
    expect((await qrsGet(`/qrs/about?xrfkey=${key}`, { "x-qlik-user": user, "x-qlik-xrfkey": newXrfkey() })).status).toBe(403);
    expect((await qrsGet(`/qrs/about?xrfkey=short`, { "x-qlik-user": user, "x-qlik-xrfkey": "short" })).status).toBe(403);
    const refused = await qrsGet(`/qrs/about?xrfkey=${key}`, { "x-qlik-xrfkey": key });
    expect(refused.status).toBe(403);
    const ok = await qrsGet(`/qrs/about?Xrfkey=${key}`, { "x-qlik-user": user, "x-qlik-xrfkey": key });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-qlik-xrfkey")).toBe(key);
    expect(await ok.json()).toMatchObject({ nodeType: 1, schemaPath: "About" });
    expect(site.stats.refusedXrf).toBeGreaterThanOrEqual(4);
  });

  it("answers bare arrays, filters, 404, 409 on a stale modifiedDate, and 400 on a bad filter", async () => {
    const qrs = new QrsClient({ qrsUrl: site.qrsUrl, userDirectory: "INTERNAL", userId: "sa_repository" });
    const streams = await qrs.raw("GET", "/qrs/stream/full", { query: { filter: `name eq ${qrsString("oem templates")}` } });
    expect(JSON.parse(streams.text)).toHaveLength(1);
    await expect(qrs.raw("GET", "/qrs/stream/00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({ code: "not_found" });
    await expect(qrs.raw("GET", "/qrs/app/full", { query: { filter: "name eq unquoted" } })).rejects.toMatchObject({ code: "permanent" });
    const def = JSON.parse((await qrs.raw("POST", "/qrs/custompropertydefinition", { body: { name: "Customer", choiceValues: ["a"] } })).text) as { id: string; modifiedDate: string };
    await qrs.raw("PUT", `/qrs/custompropertydefinition/${def.id}`, { body: { ...def, choiceValues: ["a", "b"] } });
    await expect(qrs.raw("PUT", `/qrs/custompropertydefinition/${def.id}`, { body: { ...def, choiceValues: ["a", "c"] } })).rejects.toMatchObject({ code: "conflict" });
  });

  it("quotes filter values so that a crafted name matches nothing instead of widening the query", async () => {
    const qrs = new QrsClient({ qrsUrl: site.qrsUrl, userDirectory: "INTERNAL", userId: "sa_repository" });
    const widened = await qrs.raw("GET", "/qrs/stream/full", { query: { filter: `name eq ${qrsString("x' or name sw '")}` } });
    expect(JSON.parse(widened.text)).toEqual([]);
  });
});

describe("engine emulator with enigma.js", () => {
  it("opens a session, lists and opens apps, and answers errors with engine codes", async () => {
    const session = engineSession(user);
    const notifications: string[] = [];
    session.on("notification:OnConnected", () => notifications.push("OnConnected"));
    const global = (await session.open()) as unknown as { engineVersion(): Promise<{ qComponentVersion: string }>; getDocList(): Promise<Array<{ qDocId: string; qTitle: string }>>; openDoc(id: string): Promise<{ getAppLayout(): Promise<{ qTitle: string }> }>; isDesktopMode(): Promise<boolean> };
    expect((await global.engineVersion()).qComponentVersion).toBe("12.2027.0");
    const docs = await global.getDocList();
    expect(docs.map((d) => d.qTitle).sort()).toEqual(["Operations Monitor", "Sales Overview"]);
    const doc = await global.openDoc(docs[0]!.qDocId);
    expect((await doc.getAppLayout()).qTitle).toBe(docs[0]!.qTitle);
    await expect(global.openDoc("00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({ code: 1003 });
    // An app open on this socket cannot be opened on it again: LOCERR_APP_ALREADY_OPEN.
    await expect(global.openDoc(docs[0]!.qDocId)).rejects.toMatchObject({ code: 1002 });
    expect(notifications).toEqual(["OnConnected"]);
    await session.close();
  });

  it("refuses a session without an identity at the upgrade", async () => {
    await expect(engineSession().open()).rejects.toThrow(/403/);
  });

  it("counts each engine session the adapter opens as an engine call: 101 once open, the refused upgrade's status otherwise", async () => {
    const calls: QlikCall[] = [];
    const access = { ...emulatedSite(site.qrsUrl, site.engineUrl), onCall: (c: QlikCall) => calls.push(c) };
    expect((await probeEngine(access)).version).toBe("12.2027.0");
    site.faults.set([{ path: "/app/engineData", action: "status", status: 503, times: 1 }]);
    await expect(probeEngine(access)).rejects.toMatchObject({ code: "transient" });
    expect(calls).toEqual([
      { hostKind: "engine", tier: "none", status: 101 },
      { hostKind: "engine", tier: "none", status: 503 },
    ]);
  });

  it("serves the engine health check", async () => {
    const res = await fetch(`${site.url}/engine/healthcheck/`);
    expect(await res.json()).toMatchObject({ version: "12.2027.0", saturated: false, mem: { totalPhysical: 32768 }, cpu: { total: 3 } });
  });
});
