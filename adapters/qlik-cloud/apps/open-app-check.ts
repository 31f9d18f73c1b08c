/**
 * Opens an app through a tenant's engine with @qlik/api's qix (a WebSocket to
 * `wss://<tenant>/app/<appId>` with the client's bearer token), reads its layout and closes the
 * session, within a time limit: the check a rollout makes after a reload. An app that cannot be
 * opened is a failed check with the engine's reason; a refused token is retried once with a new
 * one, then permanent; no answer, a 5xx or the time limit is transient. Engine sessions pass no
 * REST tier (only the token fetch does); each counts as an "engine" call in the metrics.
 */
import { createRequire } from "node:module";
import type { HostConfig } from "@qlik/api/auth";
import { openAppSession } from "@qlik/api/qix";
import { QoemError, type AppCheck } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import type { ClientCredentials } from "../token-cache.ts";

const require = createRequire(import.meta.url);
const localizedErrors = (require("enigma.js/schemas/12.2027.0.json") as { enums: { LocalizedErrorCode: Record<string, number> } }).enums.LocalizedErrorCode;
const errorName = new Map(Object.entries(localizedErrors).map(([name, code]) => [code, name]));

export const OPEN_CHECK_TIMEOUT_MS = 60_000;

/** How one attempt ended: the layout read, or the error @qlik/api rejected with (or the time limit). */
type Attempt = { ok: true; title: string; lastReloadTime: string } | { ok: false; error: OpenError };
interface OpenError {
  message: string;
  code?: number;
  /** Set by enigma on its own errors (socket closed, not connected); absent on the engine's. */
  enigmaError?: boolean;
  parameter?: string;
  original?: { code?: number; reason?: string };
}

export async function openAppThroughEngine(cloud: CloudContext, host: string, creds: ClientCredentials, appId: string, options: { timeoutMs?: number } = {}): Promise<AppCheck> {
  const timeoutMs = options.timeoutMs ?? OPEN_CHECK_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    const apiKey = await cloud.tokens.token(host, creds);
    const hostConfig: HostConfig = { authType: "apikey", host: cloud.options.resolveHost(host), apiKey, onAuthFailed: () => undefined };
    const result = await openOnce(hostConfig, appId, timeoutMs);
    const refusedWith = result.ok ? undefined : upgradeStatus(result.error);
    // 101: the upgrade went through (the engine or its proxy answered, even with a refusal); else the refused upgrade's status, or no answer.
    cloud.options.onCall?.({ hostKind: "engine", tier: "none", status: result.ok || engineAnswered(result.error) ? 101 : (refusedWith ?? "error") });
    if (result.ok) return { ok: true, detail: `the app opens through the engine ("${result.title}"${result.lastReloadTime ? `, data of ${result.lastReloadTime}` : ""})` };
    if (refusedWith === 401 && attempt === 0) {
      cloud.tokens.invalidate(host, creds);
      continue;
    }
    return judge(result.error, refusedWith, appId, timeoutMs);
  }
}

async function openOnce(hostConfig: HostConfig, appId: string, timeoutMs: number): Promise<Attempt> {
  const session = openAppSession({ appId, hostConfig });
  let timer: NodeJS.Timeout | undefined;
  const opened = (async (): Promise<Attempt> => {
    const doc = await session.getDoc();
    const layout = await doc.getAppLayout();
    return { ok: true, title: layout.qTitle ?? "", lastReloadTime: layout.qLastReloadTime ?? "" };
  })().catch((e: unknown): Attempt => ({ ok: false, error: e as OpenError }));
  const late = new Promise<Attempt>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: { message: "timeout" } }), timeoutMs);
  });
  try {
    return await Promise.race([opened, late]);
  } finally {
    clearTimeout(timer);
    // Closes the socket (at once in Node), or drops the session if it never opened.
    await session.close().catch(() => undefined);
  }
}

/** The HTTP status a refused upgrade answered ("Unexpected server response: 401", as `ws` words it). */
function upgradeStatus(error: OpenError): number | undefined {
  const m = /Unexpected server response: (\d{3})/.exec(error.message ?? "");
  return m ? Number(m[1]) : undefined;
}

/** The engine's own error (OpenDoc, GetAppLayout), or its proxy's close code 4203/4204 (no permission, app not found). */
const engineError = (e: OpenError) => !e.enigmaError && typeof e.code === "number" && upgradeStatus(e) === undefined;
const proxyClosed = (e: OpenError) => e.original?.code === 4203 || e.original?.code === 4204;
const engineAnswered = (e: OpenError) => engineError(e) || proxyClosed(e);

/** A failed check for an app that does not open; an error for what is not the app's fault. */
function judge(error: OpenError, status: number | undefined, appId: string, timeoutMs: number): AppCheck {
  if (error.message === "timeout") throw new QoemError("transient", `opening app ${appId} through the engine: no answer within ${timeoutMs / 1000} s`);
  if (status === 401 || status === 403) throw new QoemError("permanent", `opening app ${appId} through the engine: Qlik refused the credentials or permission (HTTP ${status})`);
  if (status === 404) throw new QoemError("not_found", `opening app ${appId} through the engine: the tenant's host does not answer (HTTP 404)`);
  if (status !== undefined) throw new QoemError(status >= 500 || status === 429 ? "transient" : "permanent", `opening app ${appId} through the engine: Qlik answered ${status}`);
  // The engine's own error on OpenDoc or GetAppLayout: its code names the reason (@qlik/api rewrites
  // the message, and reads codes 1000-1015 as WebSocket close codes, so the code is what is kept).
  if (engineError(error)) {
    return { ok: false, reason: `the app does not open: the engine answered ${errorName.get(error.code!) ?? "error"} (${error.code})` };
  }
  // The engine proxy closed the session: 4203 no permission, 4204 app not found (a reason @qlik/api words).
  if (proxyClosed(error)) return { ok: false, reason: `the app does not open: ${withoutPrefix(error.message)} (engine close code ${error.original!.code})` };
  throw new QoemError("transient", `opening app ${appId} through the engine failed: ${withoutPrefix(error.message) || "no reason given"}`);
}

/** @qlik/api's message without its "Failed to open app <id> on <host>: " lead. */
const withoutPrefix = (message: string | undefined) => (message ?? "").replace(/^Failed to open app \S+( on \S+)?: /, "");
