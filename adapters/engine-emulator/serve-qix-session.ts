/**
 * The QIX engine's side of one WebSocket session, as enigma.js (and @qlik/api's qix, which runs on
 * it) expects it: JSON-RPC 2.0, OnConnected sent at once, Global on handle -1, Doc handles from 1,
 * positional params, plain (non-delta) results and the engine's error codes. What a user may list
 * and open, and what a Doc answers, belong to the deployment: the site emulator (QRS security
 * rules, variables, DoReload) and the cloud emulator (spaces, data models) each pass a backend.
 */
import type { WebSocket } from "ws";

export const ENGINE_VERSION = "12.2027.0";

/** An engine error (LocalizedErrorCode or JSON-RPC code) as the engine sends it under `error`. */
export interface EngineFault {
  code: number;
  message: string;
  parameter?: string;
}

/** What a method answers: its result (with the handles it changed), or an engine error. */
export type EngineAnswer = { result: object; change?: number[] } | { error: EngineFault };

export interface EngineBackend<A> {
  /** The user the session runs as (GetAuthenticatedUser). */
  user: string;
  /** The apps the user may list (GetDocList), each as a DocListEntry. */
  listed(): object[];
  /** The app `appId` opened for the user, or the engine's refusal (not found, access denied, cannot load). */
  open(appId: string): { app: A } | { error: EngineFault };
  /** The app an open handle refers to, as it is now (undefined once deleted). */
  current(appId: string): A | undefined;
  /** A method on a Doc handle; undefined when this engine has no such method. */
  onDoc(app: A, method: string, params: unknown[], newHandle: () => number): EngineAnswer | undefined;
}

interface Rpc {
  id?: number;
  handle?: number;
  method?: string;
  params?: unknown;
}

export const fault = (code: number, message: string, parameter = ""): { error: EngineFault } => ({ error: { code, message, parameter } });

export function serveQixSession<A>(ws: WebSocket, backend: EngineBackend<A>): void {
  const docs = new Map<number, string>();
  let nextHandle = 1;
  const newHandle = () => nextHandle++;
  const send = (frame: object) => ws.send(JSON.stringify({ jsonrpc: "2.0", ...frame }));
  send({ method: "OnConnected", params: { qSessionState: "SESSION_CREATED" } });

  const global = (method: string, params: unknown[]): EngineAnswer => {
    switch (method) {
      case "EngineVersion":
        return { result: { qVersion: { qComponentVersion: ENGINE_VERSION } } };
      case "ProductVersion":
        return { result: { qReturn: "14.254.6" } };
      case "IsDesktopMode":
        return { result: { qReturn: false } };
      case "GetAuthenticatedUser":
        return { result: { qReturn: backend.user } };
      case "GetDocList":
        return { result: { qDocList: backend.listed() } };
      case "OpenDoc": {
        const appId = String(params[0] ?? "");
        const opened = backend.open(appId);
        if ("error" in opened) return opened;
        // One socket holds an app open once: a second OpenDoc of it is LOCERR_APP_ALREADY_OPEN.
        if ([...docs.values()].includes(appId)) return fault(1002, "App already open", appId);
        const handle = newHandle();
        docs.set(handle, appId);
        return { result: { qReturn: { qType: "Doc", qHandle: handle, qGenericId: appId } }, change: [handle] };
      }
      case "GetActiveDoc": {
        const last = [...docs.entries()].at(-1);
        if (!last) return fault(1017, "App not open");
        return { result: { qReturn: { qType: "Doc", qHandle: last[0], qGenericId: last[1] } } };
      }
      default:
        return fault(-32601, "Method not found", method);
    }
  };

  ws.on("message", (data) => {
    let rpc: Rpc;
    try {
      rpc = JSON.parse(String(data)) as Rpc;
    } catch {
      return send({ id: null, error: { code: -32700, parameter: "", message: "Parse error" } });
    }
    const id = rpc.id;
    const params = Array.isArray(rpc.params) ? rpc.params : [];
    if (typeof rpc.method !== "string" || typeof rpc.handle !== "number") return send({ id, error: { code: -32600, parameter: "", message: "Invalid Request" } });
    let answer: EngineAnswer;
    if (rpc.handle === -1) answer = global(rpc.method, params);
    else {
      const appId = docs.get(rpc.handle);
      const app = appId ? backend.current(appId) : undefined;
      answer = app === undefined ? fault(-32602, "Invalid Params", "Invalid handle") : (backend.onDoc(app, rpc.method, params, newHandle) ?? fault(-32601, "Method not found", rpc.method));
    }
    send({ id, ...answer });
  });
}
