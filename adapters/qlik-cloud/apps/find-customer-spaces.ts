// A customer's staging and production spaces, which a rollout's steps need: in its own tenant read once per tenant and shared for a while (their ids never change); elsewhere (a shared tenant) as the context finds them.
import { getSpaces } from "@qlik/api/spaces";
import { z } from "zod";
import type { CustomerEnvironment } from "../../port.ts";
import { listAll, validItems } from "../qlik-call.ts";
import { spaceNames } from "../onboarding-options.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { tenantOf } from "./find-published-app.ts";

const spaceSchema = z.object({ id: z.string(), name: z.string(), type: z.string() });

export function findCustomerSpaces(cloud: CloudContext, env: CustomerEnvironment): Promise<{ staging?: string; production?: string }> {
  // A customer without a tenant of its own: the context knows its spaces (a shared tenant's, by the marks qoem gave them).
  if (cloud.customerPlace) return cloud.customerPlace.spaces(env);
  const { host, creds } = tenantOf(cloud, env);
  return cloud.memo(`customer-spaces:${host}`, 10 * 60_000, async () => {
    const spaces = validItems(await listAll(cloud.caller, host, creds, "listing the customer's spaces", "getSpaces", (hostConfig, next) => getSpaces({ limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true })), spaceSchema);
    const names = spaceNames(env.customer);
    const staging = spaces.find((s) => s.name === names.staging && s.type === "shared")?.id;
    const production = spaces.find((s) => s.name === names.production && s.type === "managed")?.id;
    return { ...(staging ? { staging } : {}), ...(production ? { production } : {}) };
  });
}
