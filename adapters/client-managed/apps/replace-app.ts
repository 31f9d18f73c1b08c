// Replaces a published app's content with another app's (QRS `replace`): the published app keeps its id, stream and users.
import { qrsGuid } from "../qrs-client.ts";
import { appSchema } from "../site-queries.ts";
import type { SiteHandle } from "../site-adapter.ts";

export async function replaceApp(site: SiteHandle, sourceAppId: string, targetAppId: string): Promise<void> {
  await site.qrs.call("PUT", `/qrs/app/${qrsGuid(sourceAppId)}/replace`, appSchema, { query: { app: qrsGuid(targetAppId) } });
}
