/**
 * Engine (QIX) sessions through enigma.js: a WebSocket with the service identity in X-Qlik-User
 * and the site's client certificate where configured. One session per check, always closed.
 */
import { createRequire } from "node:module";
import enigma from "enigma.js";
import WebSocket from "ws";
import { QoemError, type OnQlikCall } from "../port.ts";
import type { SiteTls } from "./qrs-client.ts";

const require = createRequire(import.meta.url);
const schema = require("enigma.js/schemas/12.2027.0.json") as object;

export interface EngineAccess {
  engineUrl: string;
  userDirectory: string;
  userId: string;
  tls?: SiteTls;
  /** Told of each session: status 101 once it opened, a refused upgrade's status, or "error" (metrics). */
  onCall?: OnQlikCall;
}

export interface EngineProbe {
  version: string;
  docs: Array<{ id: string; title: string }>;
  opened?: { id: string; title: string; lastReloadTime: string };
}

/**
 * One engine session for `use`: opened on `/app/<path>` with the service identity (and the site's
 * client certificate), closed whatever happens, and closed anyway after `timeoutMs`. `use` gets the
 * session's Global object; a session that cannot open is a transient error naming the engine.
 */
export async function withEngineSession<T>(access: EngineAccess, path: string, timeoutMs: number, use: (global: unknown) => Promise<T>): Promise<T> {
  const session = enigma.create({
    schema,
    url: `${access.engineUrl.replace(/\/+$/, "")}/app/${encodeURIComponent(path)}`,
    // enigma's types expect a browser WebSocket; `ws` speaks the same protocol in Node.
    createSocket: ((u: string) =>
      new WebSocket(u, { ...access.tls, headers: { "X-Qlik-User": `UserDirectory=${encodeURIComponent(access.userDirectory)}; UserId=${encodeURIComponent(access.userId)}` } })) as unknown as (url: string) => globalThis.WebSocket,
  });
  const timer = setTimeout(() => void session.close().catch(() => undefined), timeoutMs);
  try {
    let global: unknown;
    try {
      global = await session.open();
      access.onCall?.({ hostKind: "engine", tier: "none", status: 101 });
    } catch (e) {
      const refused = /Unexpected server response: (\d{3})/.exec((e as Error).message ?? "")?.[1];
      access.onCall?.({ hostKind: "engine", tier: "none", status: refused ? Number(refused) : "error" });
      throw new QoemError("transient", `the engine at ${access.engineUrl} could not be reached (${(e as Error).message})`);
    }
    return await use(global);
  } finally {
    clearTimeout(timer);
    await session.close().catch(() => undefined);
  }
}

/** Opens a session, lists the apps the identity may see, opens `appId` when given, and closes. */
export async function probeEngine(access: EngineAccess, appId?: string, timeoutMs = 15_000): Promise<EngineProbe> {
  return withEngineSession(access, appId ?? "engineData", timeoutMs, async (session) => {
    const global = session as EngineGlobal;
    const version = (await global.engineVersion()).qComponentVersion;
    const docs = (await global.getDocList()).map((d) => ({ id: d.qDocId, title: d.qTitle }));
    if (!appId) return { version, docs };
    let doc: EngineDoc;
    try {
      doc = await global.openDoc(appId);
    } catch (e) {
      throw new QoemError("permanent", `the engine could not open app ${appId} (code ${(e as { code?: number }).code ?? "?"}: ${(e as Error).message || "no message"})`);
    }
    const layout = await doc.getAppLayout();
    return { version, docs, opened: { id: appId, title: layout.qTitle, lastReloadTime: layout.qLastReloadTime } };
  });
}

interface EngineDoc {
  getAppLayout(): Promise<{ qTitle: string; qLastReloadTime: string }>;
}
interface EngineGlobal {
  engineVersion(): Promise<{ qComponentVersion: string }>;
  getDocList(): Promise<Array<{ qDocId: string; qTitle: string }>>;
  openDoc(id: string): Promise<EngineDoc>;
}
