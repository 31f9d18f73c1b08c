/**
 * The organisation-level tenant API (console.qlikcloud.com/api/core/tenants): one OAuth client
 * sees every tenant across subscriptions and regions, whatever its status. @qlik/api has no
 * function for it, so this is plain fetch: the listing follows `links.next.href` a page at a time,
 * as the caller asks; one tenant is read by id. Every answer is validated.
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

/** What an organisation call needs besides its URL: tokens, the host seam, the rate gate, the metrics hook. */
export interface OrgCallKit {
  tokens: TokenCache;
  resolveHost: HostResolver;
  fetchImpl?: typeof fetch;
  gate?: RateGate;
  onCall?: OnQlikCall;
}

/** Qlik refused an organisation request as it stood (a 4xx other than 401, 404 and 429): retrying it unchanged cannot help. */
export class OrgRequestRefused extends QoemError {
  constructor(readonly status: number, message: string) {
    super("permanent", message);
  }
}

/** Quotes a value for a SCIM filter so that no input can close the string and widen the query. */
export const scimString = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** One GET on the organisation host, through the rate gate, with one retry after a 401; undefined on 404. */
async function orgGet(org: OrganizationAccess, kit: OrgCallKit, url: string, what: string, operation: "listOrgTenants" | "getOrgTenant"): Promise<unknown> {
  const tier = tierOf(operation);
  for (let attempt = 0; ; attempt++) {
    const token = await kit.tokens.token(org.host, org);
    const answered = await kit.gate?.wait(org.host, tier);
    const told = (status: number | "error") => kit.onCall?.({ hostKind: "console", tier: tierLabel(tier), status });
    let res: Response;
    try {
      res = await (kit.fetchImpl ?? fetch)(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
      told(res.status);
    } catch (e) {
      told("error");
      throw transient(`${what}: ${org.host} could not be reached (${(e as Error).message})`);
    } finally {
      answered?.();
    }
    if (res.status === 401 && attempt === 0) {
      kit.tokens.invalidate(org.host, org);
      continue;
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (res.status === 429) {
      const seconds = Number(res.headers.get("retry-after") ?? "1");
      throw new QoemError("rate_limited", `${what}: Qlik's rate limit was reached`, { retryAfterMs: (Number.isFinite(seconds) ? seconds : 1) * 1000 });
    }
    if (res.status >= 500) throw transient(`${what}: Qlik answered ${res.status}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new OrgRequestRefused(res.status, `${what}: Qlik rejected the request (HTTP ${res.status}) ${describeQlikErrors(body)}`.trim());
    return body;
  }
}

/** Every matching tenant at once (small filtered reads: one customer's tenant, a region's recent ones). */
export async function listOrgTenants(org: OrganizationAccess, kit: OrgCallKit, extraFilter?: string): Promise<OrgTenant[]> {
  const out: OrgTenant[] = [];
  for await (const page of orgTenantPages(org, kit, extraFilter)) out.push(...page);
  return out;
}

/**
 * The listing a page (up to 100 tenants) at a time, each read only when the caller asks for it: a
 * fleet-wide reader handles one page while the next is fetched, never the whole organisation at once.
 */
export async function* orgTenantPages(org: OrganizationAccess, kit: OrgCallKit, extraFilter?: string): AsyncGenerator<OrgTenant[]> {
  const filter = `subscriptionId eq ${scimString(org.subscriptionId)}${extraFilter ? ` and (${extraFilter})` : ""}`;
  let url: string | undefined = `${kit.resolveHost(org.host)}/api/core/tenants?${new URLSearchParams({ filter, limit: "100" })}`;
  while (url) {
    const body = await orgGet(org, kit, url, "listing tenants", "listOrgTenants");
    if (body === undefined) throw new QoemError("permanent", `listing tenants: ${org.host} has no organisation tenant API (HTTP 404)`);
    const page = pageSchema.safeParse(body);
    if (!page.success) throw transient("listing tenants: Qlik's answer did not have the expected shape");
    url = page.data.links?.next?.href;
    yield page.data.data;
  }
}

/** One tenant of the organisation by id, whatever its status; undefined when Qlik knows no such tenant. */
export async function readOrgTenant(org: OrganizationAccess, kit: OrgCallKit, tenantId: string): Promise<OrgTenant | undefined> {
  const what = `reading tenant ${tenantId} from the organisation`;
  const body = await orgGet(org, kit, `${kit.resolveHost(org.host)}/api/core/tenants/${encodeURIComponent(tenantId)}`, what, "getOrgTenant");
  if (body === undefined) return undefined;
  const tenant = orgTenantSchema.safeParse(body);
  if (!tenant.success) throw transient(`${what}: Qlik's answer did not have the expected shape`);
  return tenant.data;
}
