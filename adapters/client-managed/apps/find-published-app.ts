// A customer's published copy of a template on a site: the app of that name in the customer's stream.
import { userError, type CustomerEnvironment, type PublishedApp } from "../../port.ts";
import { appsInStream, findCustomerStream } from "../site-queries.ts";
import type { SiteContext, SiteHandle } from "../site-adapter.ts";

export function siteOf(sites: SiteContext, env: CustomerEnvironment): SiteHandle {
  if (env.target.kind !== "client-managed") throw userError(`${env.customer} is not on a client-managed site`);
  return sites.site(env.target.site);
}

export async function findPublishedApp(site: SiteHandle, customer: string, template: string): Promise<PublishedApp | undefined> {
  const stream = await findCustomerStream(site.qrs, customer);
  if (!stream) return undefined;
  const app = (await appsInStream(site.qrs, stream.id)).find((a) => a.name === template && a.published);
  if (!app) return undefined;
  const publishTime = typeof app.publishTime === "string" ? app.publishTime : app.modifiedDate;
  return { appId: app.id, publishTime };
}
