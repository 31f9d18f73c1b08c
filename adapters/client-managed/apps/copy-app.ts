// An unpublished copy of an app under a name of qoem's (a staged version, or the kept previous one); a copy of that name already there is adopted.
import { qrsGuid, qrsString } from "../qrs-client.ts";
import { appSchema, list } from "../site-queries.ts";
import type { SiteHandle } from "../site-adapter.ts";

export async function copyApp(site: SiteHandle, sourceAppId: string, name: string): Promise<{ appId: string }> {
  const earlier = (await list(site.qrs, "/qrs/app/full", appSchema, `name eq ${qrsString(name)} and published eq false`))[0];
  if (earlier) return { appId: earlier.id };
  const copy = await site.qrs.call("POST", `/qrs/app/${qrsGuid(sourceAppId)}/copy`, appSchema, { query: { name } });
  return { appId: copy.id };
}
