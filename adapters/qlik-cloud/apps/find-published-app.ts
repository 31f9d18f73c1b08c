// A customer's published copy of a template: the app of that name in its production (managed) space, with what it was published from.
import { getAppInfo } from "@qlik/api/apps";
import { z } from "zod";
import { userError, type CustomerEnvironment, type PublishedApp } from "../../port.ts";
import { findCustomerSpaces } from "./find-customer-spaces.ts";
import { appsInSpace } from "../templates-step.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import type { ClientCredentials } from "../token-cache.ts";

const appInfoSchema = z.object({ attributes: z.object({ id: z.string(), originAppId: z.string().optional(), publishTime: z.string().optional(), modifiedDate: z.string().optional() }).passthrough() });

/** The tenant host and credentials of a customer's apps: its own tenant's, or the place the context gives (a shared tenant). */
export function tenantOf(cloud: CloudContext, env: CustomerEnvironment): { host: string; creds: ClientCredentials } {
  if (cloud.customerPlace) return cloud.customerPlace.tenant(env);
  if (env.target.kind !== "cloud") throw userError(`${env.customer} is not a Qlik Cloud customer`);
  if (!env.hostname) throw userError(`${env.customer} has no tenant hostname recorded`);
  return { host: env.hostname, creds: cloud.region(env.target.region) };
}

export async function readPublishedApp(cloud: CloudContext, env: CustomerEnvironment, appId: string): Promise<PublishedApp> {
  const { host, creds } = tenantOf(cloud, env);
  const res = await cloud.caller.call(host, creds, "reading the production app", (hostConfig) => getAppInfo(appId, { hostConfig, noCache: true }), "getAppInfo");
  const a = appInfoSchema.parse(res.data).attributes;
  return { appId: a.id, ...(a.originAppId ? { originAppId: a.originAppId } : {}), publishTime: a.publishTime ?? a.modifiedDate ?? "" };
}

export async function findPublishedApp(cloud: CloudContext, env: CustomerEnvironment, template: string): Promise<PublishedApp | undefined> {
  const { host, creds } = tenantOf(cloud, env);
  const production = (await findCustomerSpaces(cloud, env)).production;
  if (!production) return undefined;
  const app = (await appsInSpace(cloud, host, creds, production, template)).find((a) => a.name === template);
  return app ? readPublishedApp(cloud, env, app.resourceId) : undefined;
}
