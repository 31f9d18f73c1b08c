// Reloads a customer's app with its variables, waits for the reload to end (bounded), and opens the app through the engine afterwards.
import { getReload, queueReload } from "@qlik/api/reloads";
import { z } from "zod";
import type { AppCheck, CustomerEnvironment } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { tenantOf } from "./find-published-app.ts";
import { openAppThroughEngine } from "./open-app-check.ts";

const reloadSchema = z.object({ id: z.string(), status: z.string(), errorCode: z.string().optional(), errorMessage: z.string().optional(), log: z.string().optional() });
const ENDED = new Set(["SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT"]);

export async function reloadApp(cloud: CloudContext, env: CustomerEnvironment, appId: string, variables: Record<string, string>, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<AppCheck> {
  const { host, creds } = tenantOf(cloud, env);
  const queued = await cloud.caller.call(host, creds, "queuing the reload", (hostConfig) => queueReload({ appId, variables }, { hostConfig }), "queueReload");
  let reload = reloadSchema.parse(queued.data);
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  let wait = options.pollMs ?? 50;
  while (!ENDED.has(reload.status)) {
    if (Date.now() > deadline) return { ok: false, reason: `the reload ${reload.id} did not end within ${Math.round((options.timeoutMs ?? 30 * 60_000) / 60_000)} minutes (still ${reload.status})` };
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 5000);
    const res = await cloud.caller.call(host, creds, "following the reload", (hostConfig) => getReload(reload.id, { hostConfig, noCache: true }), "getReload");
    reload = reloadSchema.parse(res.data);
  }
  if (reload.status !== "SUCCEEDED") return { ok: false, reason: `reload ${reload.status.toLowerCase()}${reload.errorMessage ? `: ${reload.errorMessage}` : reload.errorCode ? ` (${reload.errorCode})` : ""}` };
  // The app must open after the reload: a version whose data model breaks it fails here.
  const opened = await openAppThroughEngine(cloud, host, creds, appId);
  if (!opened.ok) return { ok: false, reason: `reload ${reload.id} succeeded, but ${opened.reason}` };
  return { ok: true, detail: `reload ${reload.id} succeeded; ${opened.detail}` };
}
