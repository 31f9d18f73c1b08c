/**
 * The organisation-level tenant listing (console.qlikcloud.com/api/core/tenants): one OAuth client
 * sees every tenant across subscriptions and regions. @qlik/api has no function for it, so this is
 * plain fetch, following `links.next.href` until the last page, every answer validated.
 */
import { z } from "zod";
import { QoemError, transient, type OnQlikCall, type RateGate } from "../port.ts";
import type { HostResolver } from "../hostname-seam.ts";
import type { ClientCredentials, TokenCache } from "./token-cache.ts";
import { describeQlikErrors, tierLabel } from "./qlik-call.ts";
import { tierOf } from "./spec/read-qlik-spec.ts";

export const orgTenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostnames: z.array(z.string()).default([]),
  regionCode: z.string().optional(),
  status: z.string().optional(),
  subscriptionId: z.string().optional(),
  createdAt: z.string().optional(),
});
export type OrgTenant = z.infer<typeof orgTenantSchema>;

const pageSchema = z.object({
  data: z.array(orgTenantSchema),
  links: z.object({ next: z.object({ href: z.string().url() }).optional() }).passthrough().optional(),
});

export interface OrganizationAccess extends ClientCredentials {
  host: string;
  subscriptionId: string;
}

/** Quotes a value for a SCIM filter so that no input can close the string and widen the query. */
export const scimString = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Every matching tenant at once (small filtered reads: one customer's tenant, a region's recent ones). */
export async function listOrgTenants(...args: Parameters<typeof orgTenantPages>): Promise<OrgTenant[]> {
  const out: OrgTenant[] = [];
  for await (const page of orgTenantPages(...args)) out.push(...page);
  return out;
}

/**
 * The listing a page (up to 100 tenants) at a time, each read only when the caller asks for it: a
 * fleet-wide reader handles one page while the next is fetched, never the whole organisation at once.
 */
export async function* orgTenantPages(
  org: OrganizationAccess,
  tokens: TokenCache,
  resolveHost: HostResolver,
  extraFilter?: string,
  fetchImpl: typeof fetch = fetch,
  gate?: RateGate,
  onCall?: OnQlikCall,
): AsyncGenerator<OrgTenant[]> {
  const filter = `subscriptionId eq ${scimString(org.subscriptionId)}${extraFilter ? ` and (${extraFilter})` : ""}`;
  let url: string | undefined = `${resolveHost(org.host)}/api/core/tenants?${new URLSearchParams({ filter, limit: "100" })}`;
  let retriedAuth = false;
  while (url) {
    const token = await tokens.token(org.host, org);
    const tier = tierOf("listOrgTenants");
    const answered = await gate?.wait(org.host, tier);
    const told = (status: number | "error") => onCall?.({ hostKind: "console", tier: tierLabel(tier), status });
    let res: Response;
    try {
      res = await fetchImpl(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
      told(res.status);
    } catch (e) {
      told("error");
      throw transient(`listing tenants: ${org.host} could not be reached (${(e as Error).message})`);
    } finally {
      answered?.();
    }
    if (res.status === 401 && !retriedAuth) {
      retriedAuth = true;
      tokens.invalidate(org.host, org);
      continue;
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (res.status === 429) {
      const seconds = Number(res.headers.get("retry-after") ?? "1");
      throw new QoemError("rate_limited", "listing tenants: Qlik's rate limit was reached", { retryAfterMs: seconds * 1000 });
    }
    if (res.status >= 500) throw transient(`listing tenants: Qlik answered ${res.status}`);
    if (!res.ok) throw new QoemError("permanent", `listing tenants: Qlik rejected the request (HTTP ${res.status}) ${describeQlikErrors(body)}`.trim());
    const page = pageSchema.safeParse(body);
    if (!page.success) throw transient("listing tenants: Qlik's answer did not have the expected shape");
    url = page.data.links?.next?.href;
    yield page.data.data;
  }
}
