/**
 * Reloads a published app through the engine, as a service account may: the app opened (the open
 * check), the customer's variables set in it, the load script run (DoReload) and the result saved.
 * One session, always closed, bounded in time.
 */
import { createRequire } from "node:module";
import enigma from "enigma.js";
import WebSocket from "ws";
import { QoemError, type AppCheck } from "../../port.ts";
import type { EngineAccess } from "../engine-session.ts";

const require = createRequire(import.meta.url);
const schema = require("enigma.js/schemas/12.2027.0.json") as object;

interface EngineDoc {
  getAppLayout(): Promise<{ qTitle: string; qLastReloadTime: string }>;
  destroyVariableByName(name: string): Promise<boolean>;
  createVariableEx(props: { qInfo: { qType: string }; qName: string; qDefinition: string }): Promise<unknown>;
  doReload(mode: number, partial: boolean, debug: boolean): Promise<boolean>;
  doSave(): Promise<void>;
}
interface EngineGlobal {
  openDoc(id: string): Promise<EngineDoc>;
}

/** A string variable's definition in Qlik's expression syntax: the value quoted, inner quotes doubled. */
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

export async function reloadThroughEngine(access: EngineAccess, appId: string, variables: Record<string, string>, timeoutMs = 30 * 60_000): Promise<AppCheck> {
  const session = enigma.create({
    schema,
    url: `${access.engineUrl.replace(/\/+$/, "")}/app/${encodeURIComponent(appId)}`,
    createSocket: ((u: string) =>
      new WebSocket(u, { ...access.tls, headers: { "X-Qlik-User": `UserDirectory=${encodeURIComponent(access.userDirectory)}; UserId=${encodeURIComponent(access.userId)}` } })) as unknown as (url: string) => globalThis.WebSocket,
  });
  const timer = setTimeout(() => void session.close().catch(() => undefined), timeoutMs);
  try {
    let global: EngineGlobal;
    try {
      global = (await session.open()) as unknown as EngineGlobal;
    } catch (e) {
      throw new QoemError("transient", `the engine at ${access.engineUrl} could not be reached (${(e as Error).message})`);
    }
    let doc: EngineDoc;
    try {
      doc = await global.openDoc(appId);
      await doc.getAppLayout();
    } catch (e) {
      return { ok: false, reason: `the app does not open (engine code ${(e as { code?: number }).code ?? "?"}: ${(e as Error).message || "no message"})` };
    }
    for (const [name, value] of Object.entries(variables)) {
      await doc.destroyVariableByName(name);
      await doc.createVariableEx({ qInfo: { qType: "variable" }, qName: name, qDefinition: quoted(value) });
    }
    const reloaded = await doc.doReload(0, false, false);
    if (!reloaded) return { ok: false, reason: "the reload failed (the engine's DoReload answered false; see the app's script log)" };
    await doc.doSave();
    return { ok: true, detail: "reloaded through the engine; the app opens" };
  } finally {
    clearTimeout(timer);
    await session.close().catch(() => undefined);
  }
}
