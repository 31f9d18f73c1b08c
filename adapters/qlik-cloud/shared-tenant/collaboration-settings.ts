/**
 * A shared tenant's collaboration features, which the guide says to turn off so that customers cannot
 * reach each other: notes, sharing and report subscriptions, data alerts (their settings endpoints).
 * Turning off reads back: a feature the API could not turn off (notes the deployment decides) is
 * reported as still on, for an administrator to change in the console.
 */
import { getNotesSettings, setNotesSettings } from "@qlik/api/notes";
import { getSharingTasksSettings, updateSharingTasksSettings } from "@qlik/api/sharing-tasks";
import { getDataAlertsSettings, setDataAlertsSettings } from "@qlik/api/data-alerts";
import { z } from "zod";
import type { CloudContext } from "../cloud-adapter.ts";
import type { ClientCredentials } from "../token-cache.ts";

const notesSchema = z.object({ available: z.boolean(), reason: z.string().optional() });
const sharingSchema = z.object({ "enable-sharing": z.boolean(), "enable-report-subscription": z.boolean(), "enable-reporting-template-subscription": z.boolean() });
const alertingSchema = z.object({ "enable-data-alerting": z.boolean() });

export type CollaborationFeature = "notes" | "sharing" | "report subscriptions" | "reporting template subscriptions" | "data alerts";

/** Where an administrator turns each feature off by hand (Management Console > Settings). */
export const consoleSetting: Record<CollaborationFeature, string> = {
  notes: "Settings > Feature control > Notes",
  sharing: "Settings > Feature control > Sharing",
  "report subscriptions": "Settings > Feature control > Subscriptions",
  "reporting template subscriptions": "Settings > Feature control > Reporting",
  "data alerts": "Settings > Feature control > Data alerts",
};

/** The features that are on now, with why notes are on when the API does not decide it. */
export async function collaborationOn(cloud: CloudContext, host: string, creds: ClientCredentials): Promise<{ on: CollaborationFeature[]; notesReason?: string }> {
  const notes = notesSchema.parse((await cloud.caller.call(host, creds, "reading the notes settings", (hostConfig) => getNotesSettings({ hostConfig, noCache: true }), "getNotesSettings")).data);
  const sharing = sharingSchema.parse((await cloud.caller.call(host, creds, "reading the sharing settings", (hostConfig) => getSharingTasksSettings({ hostConfig, noCache: true }), "getSharingTasksSettings")).data);
  const alerting = alertingSchema.parse((await cloud.caller.call(host, creds, "reading the data alerts settings", (hostConfig) => getDataAlertsSettings({ hostConfig, noCache: true }), "getDataAlertsSettings")).data);
  const on: CollaborationFeature[] = [];
  if (notes.available) on.push("notes");
  if (sharing["enable-sharing"]) on.push("sharing");
  if (sharing["enable-report-subscription"]) on.push("report subscriptions");
  if (sharing["enable-reporting-template-subscription"]) on.push("reporting template subscriptions");
  if (alerting["enable-data-alerting"]) on.push("data alerts");
  return { on, ...(notes.reason ? { notesReason: notes.reason } : {}) };
}

/** Turns every collaboration feature that is on off, then reads again: what changed, and what stayed on. */
export async function turnCollaborationOff(cloud: CloudContext, host: string, creds: ClientCredentials): Promise<{ turnedOff: CollaborationFeature[]; stillOn: CollaborationFeature[]; notesReason?: string }> {
  const before = await collaborationOn(cloud, host, creds);
  const has = (f: CollaborationFeature) => before.on.includes(f);
  if (has("notes")) await cloud.caller.call(host, creds, "turning notes off", (hostConfig) => setNotesSettings({ toggledOn: false }, { hostConfig }), "setNotesSettings");
  const sharingOps = (
    [
      ["sharing", "/enable-sharing"],
      ["report subscriptions", "/enable-report-subscription"],
      ["reporting template subscriptions", "/enable-reporting-template-subscription"],
    ] as const
  ).filter(([f]) => has(f)).map(([, path]) => ({ op: "replace" as const, path, value: false }));
  if (sharingOps.length) {
    // @qlik/api 2.19 types the path without /enable-reporting-template-subscription, which Qlik's specification has.
    await cloud.caller.call(host, creds, "turning sharing and subscriptions off", (hostConfig) => updateSharingTasksSettings(sharingOps as Parameters<typeof updateSharingTasksSettings>[0], { hostConfig }), "updateSharingTasksSettings");
  }
  if (has("data alerts")) await cloud.caller.call(host, creds, "turning data alerts off", (hostConfig) => setDataAlertsSettings({ "enable-data-alerting": false }, { hostConfig }), "setDataAlertsSettings");
  if (before.on.length === 0) return { turnedOff: [], stillOn: [] };
  const after = await collaborationOn(cloud, host, creds);
  return { turnedOff: before.on.filter((f) => !after.on.includes(f)), stillOn: after.on, ...(after.notesReason ? { notesReason: after.notesReason } : {}) };
}
