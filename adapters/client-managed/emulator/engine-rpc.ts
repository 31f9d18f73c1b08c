/**
 * The site's engine behind the shared QIX session (adapters/engine-emulator): QRS security rules
 * applied to what a user may list and open, the app's variables, DoReload against the load
 * script's needs, DoSave.
 */
import type { WebSocket } from "ws";
import { fault, serveQixSession, type EngineBackend } from "../../engine-emulator/serve-qix-session.ts";
import type { QrsApp, SiteState } from "./site-state.ts";

export { ENGINE_VERSION } from "../../engine-emulator/serve-qix-session.ts";

function parseUser(header: string | undefined): { directory: string; id: string } | undefined {
  const m = /UserDirectory=([^;]+);\s*UserId=(.+)/i.exec(header ?? "");
  return m ? { directory: decodeURIComponent(m[1]!.trim()), id: decodeURIComponent(m[2]!.trim()) } : undefined;
}

/** Apps a user may read: the service account sees everything; others what enabled read rules grant. */
export function visibleApps(state: SiteState, identity: string | undefined): QrsApp[] {
  const user = parseUser(identity);
  if (!user) return [];
  const apps = [...state.apps.values()];
  if (user.directory.toUpperCase() === "INTERNAL" && user.id.startsWith("sa_")) return apps;
  const readable = new Set<string>();
  for (const rule of state.rules.values()) {
    if (rule.disabled || (rule.actions & 2) === 0) continue;
    const dir = /user\.userDirectory\s*=\s*"([^"]*)"/i.exec(rule.rule)?.[1];
    if (dir === undefined || dir.toUpperCase() !== user.directory.toUpperCase()) continue;
    for (const part of rule.resourceFilter.split(",")) {
      const id = /^Stream_([0-9a-f-]{36})$/.exec(part.trim())?.[1];
      if (id) readable.add(id);
    }
  }
  return apps.filter((a) => a.stream && readable.has(a.stream.id));
}

const docEntry = (a: QrsApp) => ({
  qDocName: a.name,
  qDocId: a.id,
  qTitle: a.name,
  qConnectedUsers: 0,
  qFileTime: 0,
  qFileSize: a.fileSize,
  qLastReloadTime: a.lastReloadTime,
  qReadOnly: false,
  qMeta: { published: a.published, publishTime: a.publishTime, stream: a.stream, privileges: ["read"] },
  qThumbnail: {},
});

function siteBackend(state: SiteState, identity: string | undefined): EngineBackend<QrsApp> {
  return {
    user: identity ?? "",
    listed: () => visibleApps(state, identity).map(docEntry),
    open(appId) {
      const app = visibleApps(state, identity).find((a) => a.id === appId);
      return app ? { app } : fault(1003, "App not found", appId);
    },
    current: (appId) => state.apps.get(appId),
    onDoc(app, method, params, newHandle) {
      switch (method) {
        case "GetAppLayout":
          return { result: { qLayout: { qTitle: app.name, qFileName: app.id, qLastReloadTime: app.lastReloadTime, qModified: false, qHasScript: true, qHasData: true, qReadOnly: false, qIsOpenedWithoutData: false, qStateNames: [], qMeta: { stream: app.stream }, qLocaleInfo: {}, qThumbnail: {} } } };
        case "DestroyVariableByName": {
          const name = String(params[0] ?? "");
          const had = Boolean(app.variables && name in app.variables);
          if (had) delete app.variables![name];
          return { result: { qSuccess: had } };
        }
        case "CreateVariableEx": {
          const prop = (params[0] ?? {}) as { qName?: unknown; qDefinition?: unknown; qInfo?: { qType?: unknown } };
          if (typeof prop.qName !== "string" || prop.qName === "") return fault(-32602, "Invalid Params", "qName");
          app.variables ??= {};
          // The engine refuses a second variable of one name: LOCERR_GENERIC_ALREADY_EXISTS (3).
          if (prop.qName in app.variables) return fault(3, "Already exists", prop.qName);
          app.variables[prop.qName] = typeof prop.qDefinition === "string" ? prop.qDefinition : "";
          const handle = newHandle();
          return { result: { qInfo: { qId: `var-${handle}`, qType: "variable" }, qReturn: { qType: "GenericVariable", qHandle: handle, qGenericId: `var-${handle}` } } };
        }
        case "DoReload": {
          // The load script needs the variables its template declares; a customer whose data does not fit fails here.
          const needs = [...app.content.slice(0, 4096).matchAll(/^requires-variable: (\S+)$/gm)].map((m) => m[1]!);
          const failed = (app.stream && state.reloadsFailIn.has(app.stream.name)) || needs.some((n) => !(app.variables && n in app.variables));
          if (!failed) app.lastReloadTime = new Date().toISOString();
          return { result: { qReturn: !failed } };
        }
        case "DoSave":
          return { result: {} };
        case "GetAppProperties":
          return { result: { qProp: { qTitle: app.name, qLastReloadTime: app.lastReloadTime, qHasSectionAccess: false, qThumbnail: { qUrl: "" } } } };
        default:
          return undefined;
      }
    },
  };
}

export function serveEngineSession(ws: WebSocket, state: SiteState, identity: string | undefined): void {
  serveQixSession(ws, siteBackend(state, identity));
}
