// A move's source on Qlik Cloud: the customer's apps are the ones published to its production (managed) space.
import { getItems } from "@qlik/api/items";
import { z } from "zod";
import { notFound, userError, type CustomerApp, type CustomerEnvironment } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { findSpace } from "./spaces-step.ts";
import { spaceNames } from "./onboarding-options.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const appItemSchema = z.object({
  name: z.string(),
  resourceId: z.string(),
  spaceId: z.string().optional(),
  resourceAttributes: z.object({ originAppId: z.string().optional() }).passthrough().optional(),
  resourceSize: z.object({ appFile: z.number().optional() }).passthrough().optional(),
});
export type AppItem = z.infer<typeof appItemSchema>;

/** The tenant's host and the region's credentials for a cloud customer. */
export function tenantOf(cloud: CloudContext, env: CustomerEnvironment) {
  if (env.target.kind !== "cloud") throw userError(`${env.customer} is not a Qlik Cloud customer`);
  if (!env.hostname) throw notFound(`${env.customer} has no tenant hostname recorded`);
  return { host: env.hostname, creds: cloud.region(env.target.region) };
}

/** The apps of a space, with their file sizes (Qlik's items carry `resourceSize.appFile`). */
export async function appItemsInSpace(cloud: CloudContext, host: string, creds: { clientId: string; clientSecret: string }, spaceId: string): Promise<AppItem[]> {
  const items = await listAll(cloud.caller, host, creds, "listing apps", "getItems", (hostConfig, next) =>
    getItems({ resourceType: "app", spaceId, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  return validItems(items, appItemSchema).filter((i) => i.spaceId === undefined || i.spaceId === spaceId);
}

/** A space's apps as a move sees them (id, name, file size), by name: a production space's are the customer's apps, whoever's tenant it is. */
export async function movableAppsInSpace(cloud: CloudContext, host: string, creds: { clientId: string; clientSecret: string }, spaceId: string): Promise<CustomerApp[]> {
  const items = await appItemsInSpace(cloud, host, creds, spaceId);
  return items.map((i) => ({ id: i.resourceId, name: i.name, sizeBytes: i.resourceSize?.appFile ?? 0 })).sort((a, b) => a.name.localeCompare(b.name));
}

export async function listCustomerApps(cloud: CloudContext, env: CustomerEnvironment): Promise<CustomerApp[]> {
  const { host, creds } = tenantOf(cloud, env);
  const production = await findSpace(cloud, host, creds, spaceNames(env.customer).production, "managed");
  return production ? movableAppsInSpace(cloud, host, creds, production.id) : [];
}
