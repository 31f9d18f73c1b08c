// Finding one customer's objects in a shared tenant (its group and two spaces), and counting the customers there.
import { getGroups } from "@qlik/api/groups";
import { getSpaces } from "@qlik/api/spaces";
import { z } from "zod";
import { listAll, validItems } from "../qlik-call.ts";
import { scimString } from "../org-tenants.ts";
import type { ClientCredentials } from "../token-cache.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { customerNames, PRODUCTION_MARK, STAGING_MARK } from "./shared-context.ts";

const spaceSchema = z.object({ id: z.string(), name: z.string(), type: z.string(), description: z.string().optional() });
const groupSchema = z.object({ id: z.string(), name: z.string() });
export type SpaceInfo = z.infer<typeof spaceSchema>;

/** Every shared and managed space the caller (a tenant admin) sees. */
export async function allSpaces(cloud: CloudContext, host: string, creds: ClientCredentials): Promise<SpaceInfo[]> {
  const spaces = await listAll(cloud.caller, host, creds, "listing spaces", "getSpaces", (hostConfig, next) => getSpaces({ limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }));
  return validItems(spaces, spaceSchema);
}

/** The customers of the tenant: the owners of the production spaces qoem made there. */
export function customersIn(spaces: SpaceInfo[]): string[] {
  return spaces.filter((s) => s.type === "managed" && s.description?.startsWith(PRODUCTION_MARK)).map((s) => s.description!.slice(PRODUCTION_MARK.length).trim());
}

export async function findGroup(cloud: CloudContext, host: string, creds: ClientCredentials, name: string): Promise<{ id: string; name: string } | undefined> {
  const groups = await listAll(cloud.caller, host, creds, `looking up group ${name}`, "getGroups", (hostConfig, next) =>
    getGroups({ filter: `name eq ${scimString(name)}`, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  return validItems(groups, groupSchema).find((g) => g.name === name);
}

/**
 * The customer's group and spaces, each when it exists; a space counts only with its exact name, type
 * and the description qoem gave it (spaces-step.ts), so a look-alike space someone else made is never
 * taken for the customer's (nor removed by its offboard).
 */
export async function customerObjects(cloud: CloudContext, host: string, creds: ClientCredentials, customer: string, spaces?: SpaceInfo[]) {
  const names = customerNames(cloud, customer);
  return {
    names,
    group: await findGroup(cloud, host, creds, names.group),
    ...(await customerSpaces(cloud, host, creds, customer, spaces)),
  };
}

/** The customer's two spaces only (no group): what a rollout's steps need, by the same exact name, type and mark. */
export async function customerSpaces(cloud: CloudContext, host: string, creds: ClientCredentials, customer: string, spaces?: SpaceInfo[]): Promise<{ staging: SpaceInfo | undefined; production: SpaceInfo | undefined }> {
  const names = customerNames(cloud, customer);
  const all = spaces ?? (await allSpaces(cloud, host, creds));
  return {
    staging: all.find((s) => s.name === names.staging && s.type === "shared" && s.description === `${STAGING_MARK}${customer}`),
    production: all.find((s) => s.name === names.production && s.type === "managed" && s.description === `${PRODUCTION_MARK}${customer}`),
  };
}
