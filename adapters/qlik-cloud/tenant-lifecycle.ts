/**
 * Offboard (deactivate with a purge date) and reactivate a customer's tenant; both idempotent. The
 * tenant is read on its own host (read-tenant.ts); only the two actions go to the register host.
 */
import { deactivateTenant, reactivateTenant } from "@qlik/api/tenants";
import { z } from "zod";
import { notFound, permanent, userError, type CustomerEnvironment, type OffboardResult } from "../port.ts";
import { readTenant, type TenantInfo } from "./read-tenant.ts";
import type { CloudContext } from "./cloud-adapter.ts";

function cloudTenant(env: CustomerEnvironment): { region: string; tenantId: string; hostname: string | undefined } {
  if (env.target.kind !== "cloud") throw userError(`${env.customer} is not a Qlik Cloud customer`);
  if (!env.tenantId) throw notFound(`${env.customer} has no tenant recorded`);
  return { region: env.target.region, tenantId: env.tenantId, hostname: env.tenantHost ?? env.hostname };
}

const confirmHeader = (tenant: TenantInfo) => ({ "qlik-confirm-hostname": tenant.hostnames[0]! });

export async function deactivateCustomerTenant(cloud: CloudContext, env: CustomerEnvironment, purgeAfterDays: number): Promise<OffboardResult> {
  const { region, tenantId, hostname } = cloudTenant(env);
  const tenant = await readTenant(cloud, region, tenantId, hostname);
  if (!tenant || tenant.status === "deleted") return { status: "deleted", detail: `tenant ${tenantId} is already gone (purged)` };
  if (tenant.status === "disabled") {
    const purgeDate = tenant.estimatedPurgeDate ?? env.purgeDate;
    return { status: "disabled", detail: `tenant ${tenantId} was already deactivated`, ...(purgeDate ? { purgeDate } : {}) };
  }
  const access = cloud.region(region);
  const result = await cloud.caller.call(access.registerHost, access, `deactivating tenant ${tenantId}`, async (hostConfig) => {
    const res = await deactivateTenant(tenantId, { purgeAfterDays }, { hostConfig, headers: confirmHeader(tenant) });
    const parsed = z.object({ status: z.string().optional(), estimatedPurgeDate: z.string().optional() }).safeParse(res.data);
    if (!parsed.success) throw permanent("Qlik's deactivate answer has an unexpected shape");
    return parsed.data;
  }, "deactivateTenant");
  return {
    status: result.status ?? "disabled",
    detail: `tenant ${tenantId} deactivated; purge after ${purgeAfterDays} days`,
    ...(result.estimatedPurgeDate ? { purgeDate: result.estimatedPurgeDate } : {}),
  };
}

export async function reactivateCustomerTenant(cloud: CloudContext, env: CustomerEnvironment): Promise<OffboardResult> {
  const { region, tenantId, hostname } = cloudTenant(env);
  const tenant = await readTenant(cloud, region, tenantId, hostname);
  if (!tenant || tenant.status === "deleted") throw notFound(`tenant ${tenantId} was purged and cannot be reactivated`);
  if (tenant.status === "active") return { status: "active", detail: `tenant ${tenantId} is already active` };
  const access = cloud.region(region);
  await cloud.caller.call(access.registerHost, access, `reactivating tenant ${tenantId}`, (hostConfig) =>
    reactivateTenant(tenantId, {}, { hostConfig, headers: confirmHeader(tenant) }), "reactivateTenant",
  );
  return { status: "active", detail: `tenant ${tenantId} reactivated` };
}
