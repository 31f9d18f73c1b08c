/**
 * Tenant-host endpoints for the collaboration features a shared tenant turns off: notes, sharing
 * and report subscriptions, data alerts, each in the shape of its settings endpoint in Qlik's
 * specification. A notes toggle the deployment decides (`notesLocked`) takes the PUT but stays
 * available, reason "deployment" (ConfigReasonCode): only an administrator can change it.
 */
import { z } from "zod";
import { qlikError } from "./http-kit.ts";
import { isTenantAdmin, callerOf } from "./space-access.ts";
import type { EmuCollaboration, TenantData } from "./tenant-data.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";
import type { QlikOperationId } from "../qlik-operations.ts";

const data = (req: EmuRequest): TenantData => req.state.dataOf(req.tenant!.id);
const tenantRoute = (operation: QlikOperationId, handle: Route["handle"]): Route => specRoute(operation, ["tenant"], handle);

/** The settings changes are "accessible only by tenant admins" (the specification's summaries). */
function requireAdmin(req: EmuRequest): void {
  if (!isTenantAdmin(callerOf(req))) throw qlikError(403, "HTTP-403", "Forbidden", "Only a tenant admin may change this setting.");
}

const notesPut = z.object({ toggledOn: z.boolean().optional() }).passthrough();
const sharingPaths: Record<string, keyof EmuCollaboration> = {
  "/enable-sharing": "sharing",
  "/enable-report-subscription": "reportSubscription",
  "/enable-reporting-template-subscription": "reportingTemplateSubscription",
};
const sharingPatch = z.array(z.object({ op: z.literal("replace"), path: z.enum(Object.keys(sharingPaths) as [string, ...string[]]), value: z.boolean() })).min(1);
const alertingPut = z.object({ "enable-data-alerting": z.boolean() }).passthrough();

function sharingJson(req: EmuRequest) {
  const c = data(req).collaboration;
  const changed = req.tenant!.lastUpdated;
  return {
    tenantId: req.tenant!.id,
    maxRecipients: 200,
    "enable-sharing": c.sharing,
    "enable-report-subscription": c.reportSubscription,
    "enable-reporting-template-subscription": c.reportingTemplateSubscription,
    reportSubscriptionStatus: "none",
    reportSubscriptionStatusChangeTime: changed,
    reportingTemplateSubscriptionStatus: "none",
    reportingTemplateSubscriptionStatusChangeTime: changed,
    "reporting-service-license-status": "enabled",
  };
}

export const tenantSettingsRoutes: Route[] = [
  tenantRoute("getNotesSettings", (req) => {
    const c = data(req).collaboration;
    return { status: 200, body: { available: c.notes || c.notesLocked, reason: c.notesLocked ? "deployment" : "toggle", lastFetch: new Date().toISOString() } };
  }),
  tenantRoute("setNotesSettings", (req) => {
    requireAdmin(req);
    const body = notesPut.safeParse(req.body);
    if (!body.success) throw qlikError(400, "NOTES-1", "Request content error", "toggledOn must be a boolean.");
    const c = data(req).collaboration;
    if (body.data.toggledOn !== undefined) c.notes = body.data.toggledOn;
    return { status: 200, body: { toggleOn: c.notes } };
  }),
  tenantRoute("getSharingTasksSettings", (req) => ({ status: 200, body: sharingJson(req) })),
  tenantRoute("updateSharingTasksSettings", (req) => {
    requireAdmin(req);
    const body = sharingPatch.safeParse(req.body);
    if (!body.success) throw qlikError(400, "SHARING-1", "Bad request body", `${body.error.issues[0]?.path.join(".")}: ${body.error.issues[0]?.message}`);
    for (const op of body.data) data(req).collaboration[sharingPaths[op.path]!] = op.value as never;
    return { status: 204 };
  }),
  tenantRoute("getDataAlertsSettings", (req) => ({
    status: 200,
    body: { tenantId: req.tenant!.id, "enable-data-alerting": data(req).collaboration.dataAlerts, "data-alerting-license-status": "enabled", "data-alerting-feature-operation-status": "none", dataAlertsLimits: 50, dataAlertsConsumed: 0 },
  })),
  tenantRoute("setDataAlertsSettings", (req) => {
    requireAdmin(req);
    const body = alertingPut.safeParse(req.body);
    if (!body.success) throw qlikError(400, "ALERTING-1", "Bad request body", "enable-data-alerting must be a boolean.");
    data(req).collaboration.dataAlerts = body.data["enable-data-alerting"];
    return { status: 204 };
  }),
];
