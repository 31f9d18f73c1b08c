/**
 * The engine of every emulated tenant: `wss://<tenant-host>/app/<appId>` (here
 * `ws://<emulator>/<tenant-host>/app/<appId>`), as @qlik/api's qix opens it from Node: a bearer
 * token on the upgrade (refused with 401 when missing, expired or issued for another host, as the
 * tenant's REST API refuses it), then the app checked the way Qlik's engine proxy answers: an app
 * the tenant does not hold closes the socket with 4204 "App not found", one the caller may not
 * open (space-access.ts) with 4203 "No permission to open the app" (the close codes @qlik/api 2.19
 * knows; which the real proxy sends when is the emulator's reading). Behind it the shared QIX
 * session (adapters/engine-emulator) with the tenant's apps. A version whose data model is broken
 * (a `broken-data-model: <why>` line in its content, the way `requires-variable:` lines make
 * reloads fail) reloads but does not open: OpenDoc answers LOCERR_APP_INVALID (1007).
 */
import { STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { fault, serveQixSession, type EngineBackend } from "../../engine-emulator/serve-qix-session.ts";
import type { CloudState, EmuTenant } from "./cloud-state.ts";
import type { FaultInjector } from "./faults.ts";
import type { EmuRequest } from "./route.ts";
import { callerOf, seesApp } from "./space-access.ts";
import type { EmuApp } from "./tenant-data.ts";

/** Engine sessions: opened (upgrades accepted), open now, and refused by reason. */
export interface EngineStats {
  sessions: number;
  active(): number;
  refused: Map<string, number>;
}

/** Why a version of an app cannot be opened: its `broken-data-model:` line, if any. */
export function brokenDataModel(app: EmuApp): string | undefined {
  return /^broken-data-model: (.+)$/m.exec(app.content.toString("utf8", 0, 4096))?.[1]?.trim();
}

/** Serves the tenants' engines on `server`'s upgrades; `close` ends every open session. */
export function attachCloudEngine(server: Server, state: CloudState, faults: FaultInjector): EngineStats & { close(): void } {
  const sockets = new WebSocketServer({ noServer: true });
  /** Upgrades held back by an injected latency: ended with the emulator. */
  const held = new Set<Duplex>();
  const stats = {
    sessions: 0,
    active: () => sockets.clients.size,
    refused: new Map<string, number>(),
    close() {
      for (const s of held) s.destroy();
      for (const c of sockets.clients) c.terminate();
      sockets.close();
    },
  };
  const refuse = (socket: Duplex, status: number, why: string) => {
    stats.refused.set(why, (stats.refused.get(why) ?? 0) + 1);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const m = /^\/([^/]+)\/app\/([^/]+)/.exec(url.pathname);
    if (!m) return refuse(socket, 404, "not an engine path");
    const host = m[1]!;
    const appId = decodeURIComponent(m[2]!);
    let latencyMs = 0;
    for (const f of faults.match("GET", `${host}/app/${appId}`)) {
      if (f.action === "drop") return void socket.destroy();
      if (f.action === "status") return refuse(socket, f.status ?? 503, "injected fault");
      if (f.action === "latency") latencyMs = Math.max(latencyMs, f.latencyMs ?? 1000);
    }
    if (!latencyMs) return answer(req, socket, head, host, appId);
    held.add(socket);
    setTimeout(() => {
      held.delete(socket);
      if (!socket.destroyed) answer(req, socket, head, host, appId);
    }, latencyMs);
  });

  function answer(req: IncomingMessage, socket: Duplex, head: Buffer, host: string, appId: string): void {
    const tenant = state.tenantByHost(host);
    if (!tenant || tenant.status === "deleted") return refuse(socket, 404, "unknown host");
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const grant = token ? state.grantFor(token) : undefined;
    if (!grant || grant.host !== host) return refuse(socket, 401, token ? "token not valid for this host" : "no token");
    if (tenant.status === "disabled") return refuse(socket, 401, "tenant disabled");
    if (tenant.status !== "active") return refuse(socket, 403, "tenant not active");
    if (tenant.unhealthy) return refuse(socket, 503, "tenant unhealthy");
    const caller = callerRequest(state, tenant, host, req, grant);

    sockets.handleUpgrade(req, socket, head, (ws) => {
      stats.sessions++;
      const app = state.dataOf(tenant.id).apps.get(appId);
      const refusal = !app ? { code: 4204, reason: "App not found", why: "app not found" } : !seesApp(caller, app, "open") ? { code: 4203, reason: "No permission to open the app", why: "no permission" } : undefined;
      if (!refusal) return serveQixSession(ws, tenantBackend(state, tenant, caller));
      // No engine takes the session: the proxy closes it once the client asks for something (its first request
      // is then answered by the close code), or after a moment when it asks nothing.
      stats.refused.set(refusal.why, (stats.refused.get(refusal.why) ?? 0) + 1);
      const close = () => ws.readyState === ws.OPEN && ws.close(refusal.code, refusal.reason);
      const timer = setTimeout(close, 1000);
      ws.once("message", () => {
        clearTimeout(timer);
        close();
      });
      ws.once("close", () => clearTimeout(timer));
    });
  }

  return stats;
}

/** The caller as space-access.ts reads it from a request: the token's grant on the tenant's host. */
function callerRequest(state: CloudState, tenant: EmuTenant, host: string, req: IncomingMessage, grant: NonNullable<EmuRequest["grant"]>): EmuRequest {
  return { method: "GET", host, hostKind: "tenant", params: [], query: new URLSearchParams(), headers: req.headers, body: undefined, raw: Buffer.alloc(0), base: "", state, tenant, grant, region: tenant.region };
}

function tenantBackend(state: CloudState, tenant: EmuTenant, caller: EmuRequest): EngineBackend<EmuApp> {
  const apps = () => state.dataOf(tenant.id).apps;
  const user = callerOf(caller);
  return {
    user: user.subject,
    listed: () =>
      [...apps().values()]
        .filter((a) => seesApp(caller, a, "list"))
        .map((a) => ({ qDocName: a.name, qDocId: a.id, qTitle: a.name, qConnectedUsers: 0, qFileTime: 0, qFileSize: a.content.length, qLastReloadTime: a.lastReloadTime ?? "", qReadOnly: false, qMeta: {}, qThumbnail: {} })),
    open(appId) {
      const app = apps().get(appId);
      if (!app || !seesApp(caller, app, "open")) return fault(1003, "App not found", appId);
      const broken = brokenDataModel(app);
      // The emulator's choice of code for a version that cannot load (the schema's LOCERR_APP_INVALID).
      if (broken) return fault(1007, `App invalid: the data model cannot be loaded (${broken})`, appId);
      return { app };
    },
    current: (appId) => apps().get(appId),
    onDoc(app, method) {
      switch (method) {
        case "GetAppLayout":
          return { result: { qLayout: { qTitle: app.name, qFileName: app.id, qLastReloadTime: app.lastReloadTime ?? "", qModified: false, qHasScript: true, qHasData: Boolean(app.lastReloadTime), qReadOnly: false, qIsOpenedWithoutData: false, qStateNames: [], qMeta: { privileges: ["read"] }, qLocaleInfo: {}, qThumbnail: {}, qUsage: "ANALYTICS" } } };
        case "GetAppProperties":
          return { result: { qProp: { qTitle: app.name, qLastReloadTime: app.lastReloadTime ?? "", qHasSectionAccess: false, qThumbnail: { qUrl: "" }, qUsage: "ANALYTICS" } } };
        default:
          return undefined;
      }
    },
  };
}
