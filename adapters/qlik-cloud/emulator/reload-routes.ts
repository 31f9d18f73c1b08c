// Tenant-host endpoints for app reloads: POST /reloads queues one (with @qlik/api 2.19's variables), GET /reloads/{id} follows it.
import { z } from "zod";
import { qlikError, randomId } from "./http-kit.ts";
import type { EmuReload, TenantData } from "./tenant-data.ts";
import { callerOf, seesApp } from "./space-access.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";

const data = (req: EmuRequest): TenantData => req.state.dataOf(req.tenant!.id);

/** ReloadRequest as @qlik/api 2.19 types it: at most 20 variables, each name and value up to 256 characters. */
const reloadRequest = z.object({
  appId: z.string().min(1),
  partial: z.boolean().optional(),
  variables: z
    .record(z.string().min(1).max(256), z.string().max(256))
    .refine((v) => Object.keys(v).length <= 20, "at most 20 variables")
    .optional(),
});

/** How long an emulated reload stays queued before it ends (a reload is never done the moment it is asked for). */
export const RELOAD_MS = 40;

/** A reload as Qlik answers it: times only once they are known; the variables it was given are not echoed. */
function reloadJson(req: EmuRequest, r: EmuReload) {
  const { variables: _variables, startTime, endTime, ...rest } = r;
  return { ...rest, ...(startTime ? { startTime } : {}), ...(endTime ? { endTime } : {}), links: { self: { href: `${req.base}/api/v1/reloads/${r.id}` } } };
}

/** A queued reload ends once its time is up: it fails on a tenant (or for an app) told to fail reloads, or when the app's script needs a variable it was not given. */
function settle(req: EmuRequest, r: EmuReload): EmuReload {
  if (r.status !== "QUEUED" || Date.now() - Date.parse(r.creationTime) < RELOAD_MS) return r;
  const app = data(req).apps.get(r.appId);
  const needs = app ? [...app.content.toString("utf8", 0, 4096).matchAll(/^requires-variable: (\S+)$/gm)].map((m) => m[1]!) : [];
  const missing = needs.filter((n) => !(n in (r.variables ?? {})));
  const now = new Date().toISOString();
  r.startTime = r.startTime || r.creationTime;
  r.endTime = now;
  if (!app) Object.assign(r, { status: "FAILED", errorCode: "EngineReloadError", errorMessage: "The app was deleted during the reload." });
  else if (req.tenant!.reloadsFail || app.reloadsFail) Object.assign(r, { status: "FAILED", errorCode: "EngineReloadError", errorMessage: "Connection to data source failed" });
  else if (missing.length) Object.assign(r, { status: "FAILED", errorCode: "EngineReloadError", errorMessage: `The load script uses variable(s) ${missing.join(", ")}, which have no value` });
  else {
    r.status = "SUCCEEDED";
    app.lastReloadTime = now;
  }
  return r;
}

export const reloadRoutes: Route[] = [
  specRoute("queueReload", ["tenant"], (req) => {
    const body = reloadRequest.safeParse(req.body);
    if (!body.success) throw qlikError(400, "RELOADS-3", "Invalid request", `${body.error.issues[0]?.path.join(".")}: ${body.error.issues[0]?.message}`);
    const app = data(req).apps.get(body.data.appId);
    if (!app || !seesApp(req, app, "open")) throw qlikError(404, "RELOADS-404", "Not found", `App '${body.data.appId}' was not found.`);
    const now = new Date().toISOString();
    const reload: EmuReload = { id: randomId(24, "0123456789abcdef"), appId: app.id, tenantId: req.tenant!.id, userId: callerOf(req).id, status: "QUEUED", type: "external", partial: body.data.partial ?? false, creationTime: now, startTime: "", endTime: "", ...(body.data.variables ? { variables: body.data.variables } : {}) };
    data(req).reloads.push(reload);
    return { status: 201, body: reloadJson(req, reload) };
  }),
  specRoute("getReload", ["tenant"], (req) => {
    const reload = data(req).reloads.find((r) => r.id === req.params[0]);
    if (!reload) throw qlikError(404, "RELOADS-404", "Not found", `Reload '${req.params[0]}' was not found.`);
    return { status: 200, body: reloadJson(req, settle(req, reload)) };
  }),
];
