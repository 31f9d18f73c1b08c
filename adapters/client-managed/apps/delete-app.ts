// Removes an app qoem made on a site (a staged version, or the kept previous one); an app already gone is fine.
import { z } from "zod";
import { QoemError } from "../../port.ts";
import { qrsGuid } from "../qrs-client.ts";
import type { SiteHandle } from "../site-adapter.ts";

export async function deleteApp(site: SiteHandle, appId: string): Promise<void> {
  try {
    await site.qrs.call("DELETE", `/qrs/app/${qrsGuid(appId)}`, z.unknown());
  } catch (error) {
    if (error instanceof QoemError && error.code === "not_found") return;
    throw error;
  }
}
