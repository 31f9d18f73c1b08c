/**
 * A move's source on a client-managed site: one app's .qvf as QRS exports it. `POST
 * /qrs/app/{id}/export/{token}` (the token a fresh GUID of qoem's) answers an AppExportResponse whose
 * `downloadPath` is then read; the export ticket is the repository's, so a retry simply exports again.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { permanent, type CustomerApp } from "../port.ts";
import { qrsGuid } from "./qrs-client.ts";
import type { SiteHandle } from "./site-adapter.ts";

const exportResponseSchema = z.object({ exportToken: z.string(), appId: z.string(), downloadPath: z.string().optional(), cancelled: z.boolean() }).passthrough();

export async function exportCustomerApp(site: SiteHandle, app: CustomerApp): Promise<Uint8Array> {
  const token = randomUUID();
  const ticket = await site.qrs.call("POST", `/qrs/app/${qrsGuid(app.id)}/export/${token}`, exportResponseSchema, { query: { skipdata: "false" } });
  if (ticket.cancelled) throw permanent(`the repository cancelled the export of app ${app.name}`);
  const path = ticket.downloadPath ?? "";
  // Only a path on the repository itself is followed: never another host, never out of its tree.
  if (!path.startsWith("/") || path.startsWith("//") || path.includes("..")) throw permanent(`the export of app ${app.name} named no download path qoem can read`);
  return site.qrs.download(path.startsWith("/qrs/") ? path : `/qrs${path}`);
}
