/**
 * Reloads a published app through the engine, as a service account may: the app opened (the open
 * check), the customer's variables set in it, the load script run (DoReload) and the result saved.
 * One session, always closed, bounded in time.
 */
import type { AppCheck } from "../../port.ts";
import { withEngineSession, type EngineAccess } from "../engine-session.ts";

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
  return withEngineSession(access, appId, timeoutMs, async (session) => {
    const global = session as EngineGlobal;
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
  });
}
