// The tenants' engine in the cloud emulator, over real sockets: what it refuses on the upgrade, and the cloud adapter's open check (@qlik/api's qix) against it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createCloudContext, type CloudContext } from "../../adapters/qlik-cloud/cloud-adapter.ts";
import { emulatedHosts } from "../../adapters/hostname-seam.ts";
import { cloudRegions, registerHost } from "../../adapters/qlik-cloud/regions.ts";
import { openAppThroughEngine } from "../../adapters/qlik-cloud/apps/open-app-check.ts";
import { startCloudEmulator, type CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import type { EmuApp } from "../../adapters/qlik-cloud/emulator/tenant-data.ts";
import { QoemError, type QlikCall } from "../../adapters/port.ts";

let emu: CloudEmulator;
let cloud: CloudContext;
const calls: QlikCall[] = [];
let host: string;
let creds: { clientId: string; clientSecret: string };

beforeAll(async () => {
  emu = await startCloudEmulator(emulatorDefaults());
  cloud = createCloudContext({
    resolveHost: emulatedHosts(emu.url),
    regions: Object.fromEntries(cloudRegions.map((r) => [r.code, { ...emu.regionClients[r.code]!, datacenter: r.datacenter, registerHost: registerHost(r.code) }])),
    onCall: (c) => calls.push(c),
  });
  host = emu.sourceTenantHost;
  creds = emu.regionClients.eu!;
});
afterAll(async () => {
  await emu.close();
  expect(emu.contract.violations).toEqual([]);
});

const data = () => emu.state.dataOf(emu.state.tenantByHost(host)!.id);
/** A new app in a new shared space (which a tenant admin, every OAuth client's bot user, may open). */
function newApp(content: string): EmuApp {
  const space = data().addSpace(`space-${Math.random().toString(36).slice(2)}`, "shared", "someone-else");
  return data().addApp("Sales Overview", space.id, Buffer.from(content), { lastReloadTime: "2026-11-29T10:00:00.000Z" });
}

/** The status of a raw upgrade to the engine (101 when it was accepted, then closed at once). */
function upgrade(hostname: string, appId: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${emu.hostUrl(hostname).replace(/^http/, "ws")}/app/${appId}`, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
    ws.on("error", reject);
  });
}

describe("the Qlik Cloud engine (emulated) and the open check", () => {
  it("opens a good app, reads its layout, closes the session and counts it as an engine call", async () => {
    const app = newApp("QVF v1\n");
    const before = emu.engine.sessions;
    const check = await openAppThroughEngine(cloud, host, creds, app.id);
    expect(check).toEqual({ ok: true, detail: 'the app opens through the engine ("Sales Overview", data of 2026-11-29T10:00:00.000Z)' });
    expect(emu.engine.sessions).toBe(before + 1);
    await expect.poll(() => emu.engine.active()).toBe(0);
    expect(calls.filter((c) => c.hostKind === "engine")).toContainEqual({ hostKind: "engine", tier: "none", status: 101 });
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { engine: { sessions: number; active: number } };
    expect(state.engine).toMatchObject({ sessions: emu.engine.sessions, active: 0 });
  });

  it("fails the check with the engine's reason for a version whose data model is broken, and for an app the tenant does not hold", async () => {
    const broken = newApp("QVF v2\nbroken-data-model: circular reference between Orders and Invoices\n");
    expect(await openAppThroughEngine(cloud, host, creds, broken.id)).toEqual({ ok: false, reason: "the app does not open: the engine answered LOCERR_APP_INVALID (1007)" });
    expect(await openAppThroughEngine(cloud, host, creds, "00000000-0000-4000-8000-000000000000")).toEqual({ ok: false, reason: "the app does not open: App not found (engine close code 4204)" });
    await expect.poll(() => emu.engine.active()).toBe(0);
  });

  it("fails the check for an app in a managed space where the client has no role (a tenant admin lists it but may not open it)", async () => {
    const space = data().addSpace("someone's managed space", "managed", "someone-else");
    const app = data().addApp("Private", space.id, Buffer.from("QVF\n"));
    expect(await openAppThroughEngine(cloud, host, creds, app.id)).toEqual({ ok: false, reason: "the app does not open: No permission to open the app (engine close code 4203)" });
  });

  it("refuses the upgrade with 401 without a token, with a bad one or with another host's, and 404 on an unknown host", async () => {
    const app = newApp("QVF v1\n");
    const other = emu.state.issueToken("register.eu.qlikcloud.com", creds.clientId);
    const good = emu.state.issueToken(host, creds.clientId);
    expect(await upgrade(host, app.id, {})).toBe(401);
    expect(await upgrade(host, app.id, { authorization: "Bearer not-a-token" })).toBe(401);
    expect(await upgrade(host, app.id, { authorization: `Bearer ${other.token}` })).toBe(401);
    expect(await upgrade("nowhere.eu.qlikcloud.com", app.id, { authorization: `Bearer ${good.token}` })).toBe(404);
    expect(await upgrade(host, app.id, { authorization: `Bearer ${good.token}` })).toBe(101);
    expect(emu.engine.refused.get("no token")).toBeGreaterThanOrEqual(1);
  });

  it("retries once with a new token when the engine refuses the cached one; a deactivated tenant is a permanent error, not a failed check", async () => {
    const app = newApp("QVF v1\n");
    await openAppThroughEngine(cloud, host, creds, app.id);
    emu.state.revokeTokens();
    const refused = emu.engine.refused.get("token not valid for this host") ?? 0;
    expect((await openAppThroughEngine(cloud, host, creds, app.id)).ok).toBe(true);
    expect(emu.engine.refused.get("token not valid for this host")).toBe(refused + 1);

    const tenant = emu.state.tenantByHost(host)!;
    tenant.status = "disabled";
    try {
      const error = await openAppThroughEngine(cloud, host, creds, app.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QoemError);
      expect(error).toMatchObject({ code: "permanent", message: `opening app ${app.id} through the engine: Qlik refused the credentials or permission (HTTP 401)` });
    } finally {
      tenant.status = "active";
    }
  });

  it("gives up after its time limit when the engine does not answer, and takes a 503 on the upgrade as transient too", async () => {
    const app = newApp("QVF v1\n");
    emu.faults.set([{ method: "GET", path: `/${app.id}$/`, action: "status", status: 503, times: 1 }]);
    const unavailable = await openAppThroughEngine(cloud, host, creds, app.id).catch((e: unknown) => e);
    expect(unavailable).toMatchObject({ code: "transient", message: `opening app ${app.id} through the engine: Qlik answered 503` });
    expect(calls.at(-1)).toEqual({ hostKind: "engine", tier: "none", status: 503 });
    emu.faults.set([{ method: "GET", path: `/${app.id}$/`, action: "latency", latencyMs: 5000 }]);
    try {
      const error = await openAppThroughEngine(cloud, host, creds, app.id, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "transient", message: `opening app ${app.id} through the engine: no answer within 0.3 s` });
    } finally {
      emu.faults.clear();
    }
  });
});
