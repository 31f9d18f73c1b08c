// A cloud customer's staging and production spaces, read once per tenant and shared for a while (their ids never change): a rollout's steps need both.
import { getSpaces } from "@qlik/api/spaces";
import { z } from "zod";
import type { CustomerEnvironment } from "../../port.ts";
import { listAll, validItems } from "../qlik-call.ts";
import { spaceNames } from "../onboarding-options.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { tenantOf } from "./find-published-app.ts";

const spaceSchema = z.object({ id: z.string(), name: z.string(), type: z.string() });

export function findCustomerSpaces(cloud: CloudContext, env: CustomerEnvironment): Promise<{ staging?: string; production?: string }> {
  const { host, creds } = tenantOf(cloud, env);
  return cloud.memo(`customer-spaces:${host}`, 10 * 60_000, async () => {
    const spaces = validItems(await listAll(cloud.caller, host, creds, "listing the customer's spaces", "getSpaces", (hostConfig, next) => getSpaces({ limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true })), spaceSchema);
    const names = spaceNames(env.customer);
    const staging = spaces.find((s) => s.name === names.staging && s.type === "shared")?.id;
    const production = spaces.find((s) => s.name === names.production && s.type === "managed")?.id;
    return { ...(staging ? { staging } : {}), ...(production ? { production } : {}) };
  });
}
