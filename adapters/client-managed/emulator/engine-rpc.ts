/**
 * The QIX engine as enigma.js expects it: JSON-RPC 2.0 over WebSocket, OnConnected sent at once,
 * Global on handle -1, Doc handles from 1, positional params, plain (non-delta) results, engine
 * error codes, and QRS security rules applied to what a user may list and open.
 */
import type { WebSocket } from "ws";
import type { QrsApp, SiteState } from "./site-state.ts";

export const ENGINE_VERSION = "12.2027.0";

interface Rpc {
  id?: number;
  handle?: number;
  method?: string;
  params?: unknown;
}

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

export function serveEngineSession(ws: WebSocket, state: SiteState, identity: string | undefined): void {
  const docs = new Map<number, string>();
  let nextHandle = 1;
  const send = (frame: object) => ws.send(JSON.stringify({ jsonrpc: "2.0", ...frame }));
  send({ method: "OnConnected", params: { qSessionState: "SESSION_CREATED" } });

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

  ws.on("message", (data) => {
    let rpc: Rpc;
    try {
      rpc = JSON.parse(String(data)) as Rpc;
    } catch {
      return send({ id: null, error: { code: -32700, parameter: "", message: "Parse error" } });
    }
    const id = rpc.id;
    const params = Array.isArray(rpc.params) ? rpc.params : [];
    const error = (code: number, message: string, parameter = "") => send({ id, error: { code, parameter, message } });
    if (typeof rpc.method !== "string" || typeof rpc.handle !== "number") return error(-32600, "Invalid Request");
    if (rpc.handle === -1) {
      switch (rpc.method) {
        case "EngineVersion":
          return send({ id, result: { qVersion: { qComponentVersion: ENGINE_VERSION } } });
        case "ProductVersion":
          return send({ id, result: { qReturn: "14.254.6" } });
        case "IsDesktopMode":
          return send({ id, result: { qReturn: false } });
        case "GetAuthenticatedUser":
          return send({ id, result: { qReturn: identity ?? "" } });
        case "GetDocList":
          return send({ id, result: { qDocList: visibleApps(state, identity).map(docEntry) } });
        case "OpenDoc": {
          const appId = String(params[0] ?? "");
          const app = visibleApps(state, identity).find((a) => a.id === appId);
          if (!app) return error(1003, "App not found", appId);
          // One socket holds an app open once: a second OpenDoc of it is LOCERR_APP_ALREADY_OPEN.
          if ([...docs.values()].includes(app.id)) return error(1002, "App already open", appId);
          const handle = nextHandle++;
          docs.set(handle, app.id);
          return send({ id, result: { qReturn: { qType: "Doc", qHandle: handle, qGenericId: app.id } }, change: [handle] });
        }
        case "GetActiveDoc": {
          const last = [...docs.entries()].at(-1);
          if (!last) return error(1017, "App not open");
          return send({ id, result: { qReturn: { qType: "Doc", qHandle: last[0], qGenericId: last[1] } } });
        }
        default:
          return error(-32601, "Method not found", rpc.method);
      }
    }
    const appId = docs.get(rpc.handle);
    const app = appId ? state.apps.get(appId) : undefined;
    if (!app) return error(-32602, "Invalid Params", "Invalid handle");
    switch (rpc.method) {
      case "GetAppLayout":
        return send({ id, result: { qLayout: { qTitle: app.name, qFileName: app.id, qLastReloadTime: app.lastReloadTime, qModified: false, qHasScript: true, qHasData: true, qReadOnly: false, qIsOpenedWithoutData: false, qStateNames: [], qMeta: { stream: app.stream }, qLocaleInfo: {}, qThumbnail: {} } } });
      case "DestroyVariableByName": {
        const name = String(params[0] ?? "");
        const had = Boolean(app.variables && name in app.variables);
        if (had) delete app.variables![name];
        return send({ id, result: { qSuccess: had } });
      }
      case "CreateVariableEx": {
        const prop = (params[0] ?? {}) as { qName?: unknown; qDefinition?: unknown; qInfo?: { qType?: unknown } };
        if (typeof prop.qName !== "string" || prop.qName === "") return error(-32602, "Invalid Params", "qName");
        app.variables ??= {};
        // The engine refuses a second variable of one name: LOCERR_GENERIC_ALREADY_EXISTS (3).
        if (prop.qName in app.variables) return error(3, "Already exists", prop.qName);
        app.variables[prop.qName] = typeof prop.qDefinition === "string" ? prop.qDefinition : "";
        const handle = nextHandle++;
        return send({ id, result: { qInfo: { qId: `var-${handle}`, qType: "variable" }, qReturn: { qType: "GenericVariable", qHandle: handle, qGenericId: `var-${handle}` } } });
      }
      case "DoReload": {
        // The load script needs the variables its template declares; a customer whose data does not fit fails here.
        const needs = [...app.content.slice(0, 4096).matchAll(/^requires-variable: (\S+)$/gm)].map((m) => m[1]!);
        const failed = (app.stream && state.reloadsFailIn.has(app.stream.name)) || needs.some((n) => !(app.variables && n in app.variables));
        if (!failed) app.lastReloadTime = new Date().toISOString();
        return send({ id, result: { qReturn: !failed } });
      }
      case "DoSave":
        return send({ id, result: {} });
      case "GetAppProperties":
        return send({ id, result: { qProp: { qTitle: app.name, qLastReloadTime: app.lastReloadTime, qHasSectionAccess: false, qThumbnail: { qUrl: "" } } } });
      default:
        return error(-32601, "Method not found", rpc.method);
    }
  });
}
