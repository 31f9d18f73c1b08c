/**
 * Reads a customer's tenant where Qlik documents it: `GET /api/v1/tenants/{id}` on the tenant's own
 * host, with the region's client (the register host serves create, deactivate and reactivate
 * only). A deactivated tenant's host answers 401 TENANT_DISABLED, which is the tenant's status, not
 * a credentials problem. Where the host cannot say more (deactivated, refused, or its name no longer
 * reaches the tenant), the organisation API gives the status, when an organisation client is configured.
 */
import { getTenant } from "@qlik/api/tenants";
import { z } from "zod";
import { permanent } from "../port.ts";
import { tenantIsDeactivated } from "./qlik-call.ts";
import type { OrgTenant } from "./org-tenants.ts";
import type { CloudContext } from "./cloud-adapter.ts";

export const tenantSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  hostnames: z.array(z.string()).min(1),
  status: z.string().optional(),
  datacenter: z.string().optional(),
  estimatedPurgeDate: z.string().optional(),
});
export type TenantInfo = z.infer<typeof tenantSchema>;

export function parseTenant(data: unknown, what: string): TenantInfo {
  const parsed = tenantSchema.safeParse(data);
  if (!parsed.success) throw permanent(`${what}: Qlik's answer is not a tenant (${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

async function readOnHost(cloud: CloudContext, region: string, tenantId: string, hostname: string): Promise<TenantInfo> {
  const what = `reading tenant ${tenantId} on ${hostname}`;
  const tenant = await cloud.caller.call(hostname, cloud.region(region), what, async (hostConfig) => parseTenant((await getTenant(tenantId, { hostConfig, noCache: true })).data, what), "getTenant");
  // A host answers for its own tenant only; another id there is a different tenant, not this one.
  if (tenant.id !== tenantId) throw permanent(`${what}: the host answered for tenant ${tenant.id}`);
  return tenant;
}

/** What the organisation API says of a tenant, in the shape the steps use (a host it had, when it lists none). */
function fromOrganization(org: OrgTenant, hostname: string | undefined): TenantInfo | undefined {
  const hostnames = org.hostnames.length ? org.hostnames : hostname ? [hostname] : [];
  if (!hostnames.length) return undefined;
  return { id: org.id, name: org.name, hostnames, ...(org.status ? { status: org.status } : {}), ...(org.regionCode ? { datacenter: org.regionCode } : {}) };
}

/**
 * The tenant by id, read on `hostname` (one of its names), or undefined when Qlik no longer has it.
 * Without a hostname the organisation API must say where the tenant is.
 */
export async function readTenant(cloud: CloudContext, region: string, tenantId: string, hostname: string | undefined): Promise<TenantInfo | undefined> {
  const readOrg = cloud.readOrgTenant;
  if (!hostname) {
    if (!readOrg) throw permanent(`no hostname is recorded for tenant ${tenantId}, and without an organisation client (cloud.organization) qoem cannot find it`);
    const known = await readOrg(tenantId);
    if (known?.status === "active" && known.hostnames[0]) return readOnHost(cloud, region, tenantId, known.hostnames[0]);
    return known && fromOrganization(known, undefined);
  }
  try {
    return await readOnHost(cloud, region, tenantId, hostname);
  } catch (error) {
    if (!readOrg) {
      // The host alone: deactivated is all it says; a host that no longer knows the tenant means it is gone.
      if (tenantIsDeactivated(error)) return { id: tenantId, name: "", hostnames: [hostname], status: "disabled" };
      if ((error as { code?: string }).code === "not_found") return undefined;
      throw error;
    }
    // The host refused or could not be reached (a purged tenant's name may no longer resolve); a rate
    // limit or a superseded execution is not a question the organisation can answer.
    if (!["permanent", "transient", "not_found", "config_error"].includes((error as { code?: string }).code ?? "")) throw error;
    const known = await readOrg(tenantId);
    if (!known) return undefined;
    if (known.status === "active") {
      // Active, but not at this name (an alias changed): read it at the name Qlik gives it now.
      const elsewhere = known.hostnames.find((h) => h !== hostname);
      if (!known.hostnames.includes(hostname) && elsewhere) return readOnHost(cloud, region, tenantId, elsewhere);
      throw error;
    }
    return fromOrganization(known, hostname);
  }
}
