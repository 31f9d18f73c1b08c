/**
 * The client-managed (Qlik Sense Enterprise) emulator: one HTTP port serving the QRS REST API
 * (`/qrs/...`, the Xrfkey rule enforced, an X-Qlik-User identity required), the engine over
 * WebSocket (`/app/<id>`, see engine-rpc.ts) and the engine health check (`/healthcheck`,
 * `/engine/healthcheck`), with fault injection like the cloud emulator's. Admin knobs under `/_emulator/`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { z } from "zod";
import { FaultInjector, faultRulesSchema, type FaultRule } from "../../qlik-cloud/emulator/faults.ts";
import { HttpError, parseJson, readBody } from "../../qlik-cloud/emulator/http-kit.ts";
import { handleQrs } from "./qrs-routes.ts";
import { serveEngineSession, ENGINE_VERSION } from "./engine-rpc.ts";
import { SiteState } from "./site-state.ts";
import { authenticateThroughProxy } from "./authenticate-through-proxy.ts";

export interface SiteEmulatorOptions {
  port?: number;
  templates?: string[];
  faults?: FaultRule[];
}

export interface SiteEmulator {
  url: string;
  engineUrl: string;
  qrsUrl: string;
  state: SiteState;
  faults: FaultInjector;
  /** `qrsCalls`: each QRS request as `METHOD /qrs/path`, for checks of what a client sent. */
  /** `refusedProxySessions`: why each session through a virtual proxy was refused. */
  /**
   * `qrsArrivals`: when each QRS request arrived (ms). QRS documents no rate limit and refuses
   * none, so nothing here answers 429; tests read how fast a client called instead.
   */
  stats: { qrsRequests: number; refusedXrf: number; engineSessions: number; qrsCalls: string[]; qrsArrivals: number[]; refusedProxySessions: string[] };
  close(): Promise<void>;
}

const XRF = /^[0-9a-zA-Z]{16}$/;
const healthKnobs = z.object({ saturated: z.boolean().optional(), cpuTotal: z.number().min(0).max(100).optional(), memFreeMB: z.number().min(0).optional(), down: z.boolean().optional() }).strict();
const reloadKnob = z.object({ appId: z.string(), status: z.number().int(), message: z.string().default("Reload failed"), ageMinutes: z.number().min(0).default(5) });

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    res.writeHead(status, { "content-type": "application/octet-stream", "content-length": String(body.length), ...headers });
    res.end(body);
    return;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8", ...headers });
  res.end(text);
}

export async function startSiteEmulator(options: SiteEmulatorOptions = {}): Promise<SiteEmulator> {
  const state = new SiteState(options.templates);
  const faults = new FaultInjector();
  if (options.faults) faults.set(options.faults);
  const stats = { qrsRequests: 0, refusedXrf: 0, engineSessions: 0, qrsCalls: [] as string[], qrsArrivals: [] as number[], refusedProxySessions: [] as string[] };
  const sockets = new WebSocketServer({ noServer: true });

  const health = () => ({
    version: ENGINE_VERSION,
    started: state.started,
    mem: { committed: 812.5, allocated: 1024, free: state.health.memFreeMB, totalPhysical: state.health.totalPhysicalMB },
    cpu: { total: state.health.cpuTotal },
    session: { active: sockets.clients.size, total: stats.engineSessions },
    apps: { active_docs: [], in_memory_docs: [], loaded_docs: [], calls: 0, selections: 0 },
    users: { active: sockets.clients.size, total: stats.engineSessions },
    cache: { hits: 0, lookups: 0, added: 0, replaced: 0, bytes_added: 0 },
    saturated: state.health.saturated,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = req.method ?? "GET";
    let dropAfter = false;
    for (const fault of faults.match(method, url.pathname)) {
      if (fault.action === "drop-after") dropAfter = true;
      else if (fault.action === "latency") await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1000));
      else if (fault.action === "drop") return void req.socket.destroy();
      else return send(res, fault.status ?? 503, "Injected fault");
    }
    const body = await readBody(req);
    if (url.pathname.startsWith("/_emulator/")) {
      const json = parseJson(body);
      if (url.pathname === "/_emulator/health" && method === "POST") {
        const knobs = healthKnobs.safeParse(json);
        if (!knobs.success) return send(res, 400, "invalid health knobs");
        Object.assign(state.health, knobs.data);
        return send(res, 200, state.health);
      }
      if (url.pathname === "/_emulator/faults" && method === "POST") {
        const rules = z.object({ rules: faultRulesSchema }).safeParse(json);
        if (!rules.success) return send(res, 400, "invalid fault rules");
        faults.set(rules.data.rules);
        return send(res, 200, { rules: faults.list() });
      }
      if (url.pathname === "/_emulator/reloads" && method === "POST") {
        const knob = reloadKnob.safeParse(json);
        const app = knob.success ? state.apps.get(knob.data.appId) : undefined;
        if (!knob.success || !app) return send(res, 400, "invalid reload knob");
        const task = state.stamp({ name: `Reload ${app.name}`, app: { id: app.id, name: app.name }, enabled: true, lastStatus: knob.data.status, lastStopTime: new Date(Date.now() - knob.data.ageMinutes * 60_000).toISOString(), lastMessage: knob.data.message });
        state.reloadTasks.set(task.id, task);
        return send(res, 201, task);
      }
      return send(res, 404, "unknown emulator admin path");
    }
    if (url.pathname === "/healthcheck" || url.pathname === "/engine/healthcheck" || url.pathname === "/engine/healthcheck/") {
      if (state.health.down) return void req.socket.destroy();
      return send(res, 200, health());
    }
    if (!url.pathname.startsWith("/qrs/")) return send(res, 404, "Not found");
    stats.qrsRequests++;
    stats.qrsArrivals.push(Date.now());
    stats.qrsCalls.push(`${method} ${url.pathname.replace(/\/+$/, "")}`);
    // The Xrfkey rule: the same 16 alphanumerics as a query parameter and in X-Qlik-Xrfkey.
    const param = [...url.searchParams.entries()].find(([k]) => k.toLowerCase() === "xrfkey")?.[1];
    const header = req.headers["x-qlik-xrfkey"];
    const headerValue = Array.isArray(header) ? header[0] : header;
    if (!param || !headerValue || param !== headerValue || !XRF.test(param)) {
      stats.refusedXrf++;
      return send(res, 403, "XSRF prevention check failed. Possible XSRF discovered.");
    }
    if (!/UserDirectory=[^;]+;\s*UserId=.+/i.test(String(req.headers["x-qlik-user"] ?? ""))) return send(res, 403, "Forbidden: X-Qlik-User is required");
    const type = String(req.headers["content-type"] ?? "");
    try {
      const reply = handleQrs({ method, path: url.pathname.replace(/\/+$/, ""), query: url.searchParams, body: type.includes("json") ? parseJson(body) : undefined, state });
      // drop-after: the change is made, then the connection is cut before the answer.
      if (dropAfter) return void req.socket.destroy();
      send(res, reply.status, reply.body, { "x-qlik-xrfkey": param });
    } catch (error) {
      if (error instanceof HttpError) return send(res, error.status, String(error.body ?? ""), { "x-qlik-xrfkey": param });
      throw error;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !req.socket.destroyed) send(res, error instanceof HttpError ? error.status : 500, error instanceof HttpError ? String(error.body) : "Internal emulator error");
    });
  });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    const dropped = faults.match("GET", url.pathname).some((f) => f.action === "drop" || f.action === "status");
    if (dropped || state.health.down) return refuse("503 Service Unavailable");
    // Through a virtual proxy (`/<prefix>/app/<id>`, a bearer JWT), or straight to the engine with the certificates' X-Qlik-User.
    const viaProxy = /^\/([a-z0-9-]+)\/app\//.exec(url.pathname);
    let user: string | undefined;
    if (viaProxy && viaProxy[1] !== "app") {
      const verdict = authenticateThroughProxy(state, viaProxy[1]!, req.headers);
      if ("status" in verdict) {
        stats.refusedProxySessions.push(verdict.reason);
        return refuse(verdict.status === 404 ? "404 Not Found" : verdict.status === 503 ? "503 Service Unavailable" : verdict.status === 403 ? "403 Forbidden" : "401 Unauthorized");
      }
      user = verdict.identity;
    } else {
      const identity = req.headers["x-qlik-user"];
      user = Array.isArray(identity) ? identity[0] : identity;
      if (!url.pathname.startsWith("/app/") || !user) return refuse("403 Forbidden");
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      stats.engineSessions++;
      serveEngineSession(ws, state, user);
    });
  });
  // A port in use rejects (the caller says which port); it is never an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    engineUrl: `ws://127.0.0.1:${port}`,
    qrsUrl: url,
    state,
    faults,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets.clients) c.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
