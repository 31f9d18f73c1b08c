// A customer's JWT virtual proxy that can be used: routed to the site's engine, open to the configured origins, and fixed to the customer's user directory whatever a token claims.
import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import { runSiteSteps, siteRequest, startSiteFixture } from "../support/site-fixture.ts";
import { mintSiteJwt } from "../support/mint-site-jwt.ts";
import { emulatorJwtCertificate } from "../../adapters/client-managed/emulator/emulator-jwt-signer.ts";

let fixture: Awaited<ReturnType<typeof startSiteFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const PORTAL = "https://portal.example.com";

type Session = { status: number; call?: (method: string, params?: unknown[]) => Promise<{ result?: Record<string, unknown>; error?: { code: number } }>; close: () => void };

/** Opens an engine WebSocket through `/<prefix>/app/engineData`: the upgrade's status, and a way to call Global methods. */
function openThroughProxy(prefix: string, headers: Record<string, string>): Promise<Session> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${fixture!.emulator.engineUrl}/${prefix}/app/engineData`, { headers });
    let id = 0;
    const pending = new Map<number, (frame: { result?: Record<string, unknown>; error?: { code: number } }) => void>();
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: { code: number } };
      if (frame.id !== undefined) pending.get(frame.id)?.(frame);
    });
    // A refused upgrade: its status; terminating it then reports an error that says only that.
    ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0, close: () => ws.terminate() }));
    ws.on("error", () => resolve({ status: 0, close: () => undefined }));
    ws.on("open", () =>
      resolve({
        status: 101,
        call: (method, params = []) =>
          new Promise((done) => {
            pending.set(++id, done);
            ws.send(JSON.stringify({ jsonrpc: "2.0", id, handle: -1, method, params }));
          }),
        close: () => ws.close(),
      }),
    );
  });
}

const bearer = (claims: Record<string, unknown>, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${mintSiteJwt(claims)}`, origin: PORTAL, ...extra });

describe("the JWT virtual proxy qoem sets up", () => {
  it("routes to the engine, takes the configured origin, and keeps customer A's token out of B's apps whatever directory it claims", async () => {
    fixture = await startSiteFixture({}, { allowedOrigins: [PORTAL] });
    await runSiteSteps(fixture.adapter, siteRequest("acme"));
    await runSiteSteps(fixture.adapter, siteRequest("beta"));
    const proxy = [...fixture.emulator.state.virtualProxies.values()].find((v) => v.prefix === "acme")!;
    expect(proxy).toMatchObject({ jwtPublicKeyCertificate: emulatorJwtCertificate, jwtAttributeUserDirectory: "[ACME]", loadBalancingServerNodes: [{ id: fixture.emulator.state.node.id }], websocketCrossOriginWhiteList: [PORTAL] });
    const streamOf = (customer: string) => [...fixture!.emulator.state.streams.values()].find((s) => s.name === customer)!.id;
    const betaApp = [...fixture.emulator.state.apps.values()].find((a) => a.stream?.id === streamOf("beta"))!;

    const session = await openThroughProxy("acme", bearer({ sub: "alice", userDirectory: "BETA" }));
    expect(session.status).toBe(101);
    expect((await session.call!("GetAuthenticatedUser")).result).toEqual({ qReturn: "UserDirectory=ACME; UserId=alice" });
    const docs = (await session.call!("GetDocList")).result!.qDocList as Array<{ qMeta: { stream: { id: string } } }>;
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((d) => d.qMeta.stream.id === streamOf("acme"))).toBe(true);
    expect((await session.call!("OpenDoc", [betaApp.id])).error?.code).toBe(1003);
    session.close();

    const other = await openThroughProxy("acme", bearer({ sub: "alice" }, { origin: "https://elsewhere.example.org" }));
    expect(other.status).toBe(403);
    other.close();
  });

  it("refuses sessions through a proxy that could not route them, or with a token its certificate does not verify", async () => {
    fixture = await startSiteFixture({}, { allowedOrigins: [PORTAL] });
    await runSiteSteps(fixture.adapter, siteRequest("acme"));
    const state = fixture.emulator.state;
    const proxy = [...state.virtualProxies.values()].find((v) => v.prefix === "acme")!;
    const status = async (prefix: string, headers: Record<string, string>) => {
      const s = await openThroughProxy(prefix, headers);
      s.close();
      return s.status;
    };
    expect(await status("acme", bearer({ sub: "alice" }))).toBe(101);
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(await status("acme", { authorization: `Bearer ${mintSiteJwt({ sub: "alice" }, stranger)}`, origin: PORTAL })).toBe(401);
    expect(await status("acme", bearer({ sub: "alice", exp: 1 }))).toBe(401);
    expect(await status("nobody", bearer({ sub: "alice" }))).toBe(404);
    proxy.loadBalancingServerNodes = [];
    expect(await status("acme", bearer({ sub: "alice" }))).toBe(503);
    for (const p of state.proxyServices.values()) p.settings.virtualProxies = [];
    expect(await status("acme", bearer({ sub: "alice" }))).toBe(404);
    expect(fixture.emulator.stats.refusedProxySessions).toHaveLength(5);
  });

  it("QRS refuses a JWT proxy without a certificate or the fields its specification requires, and the adapter says to configure a certificate", async () => {
    const publicKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    fixture = await startSiteFixture({}, { jwtPublicKey: publicKey });
    const qrs = fixture.adapter.context.site("onprem").qrs;
    const base = { prefix: "x", authenticationMethod: 4, sessionCookieHeaderName: "X-Qlik-Session-x", sessionInactivityTimeout: 30, defaultVirtualProxy: false, jwtAttributeUserId: "sub", jwtAttributeUserDirectory: "[X]" };
    await expect(qrs.call("POST", "/qrs/virtualproxyconfig", z.unknown(), { body: { ...base, jwtPublicKeyCertificate: publicKey } })).rejects.toMatchObject({ message: expect.stringMatching(/certificate/) });
    const { sessionInactivityTimeout: _omitted, ...withoutTimeout } = base;
    await expect(qrs.call("POST", "/qrs/virtualproxyconfig", z.unknown(), { body: { ...withoutTimeout, jwtPublicKeyCertificate: emulatorJwtCertificate } })).rejects.toMatchObject({ message: expect.stringMatching(/sessionInactivityTimeout/) });
    await expect(runSiteSteps(fixture.adapter, siteRequest("acme"))).rejects.toMatchObject({ code: "config_error", message: expect.stringMatching(/must be a certificate PEM/) });
  });
});
