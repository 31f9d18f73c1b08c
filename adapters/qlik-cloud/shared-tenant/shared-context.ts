/**
 * What the shared-tenant adapter's steps share: the cloud adapter's context (calls, tokens, the
 * template exports) with the credentials of the shared tenant a step's target names, and the names
 * of a customer's objects there. A customer in a shared tenant is a group, a shared space for
 * staging and a managed space for production whose description marks it as that customer's.
 */
import { userError, type StepContext, type Target } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import type { ClientCredentials } from "../token-cache.ts";
import { groupNames, spaceNames } from "../onboarding-options.ts";
import { findRegion, registerHost } from "../regions.ts";

export interface SharedTenantAccess extends ClientCredentials {
  hostname: string;
  region: string;
  /** What every customer gets (the guide's identical functionality): templates (empty: every OEM template) and features. */
  templates: string[];
  features: string[];
  /** The domain of the dummy e-mail addresses the OEM's identity provider gives its anonymous users. */
  dummyEmailDomain: string;
}

export interface SharedContext extends CloudContext {
  tenants: Record<string, SharedTenantAccess>;
  tenantOf(target: Target): SharedTenantAccess & { name: string };
}

export function createSharedContext(cloud: CloudContext, tenants: Record<string, SharedTenantAccess>): SharedContext {
  const tenantOf = (target: Target) => {
    if (target.kind !== "shared") throw userError("not a shared-tenant target");
    const access = tenants[target.tenant];
    if (!access) throw userError(`no shared tenant named '${target.tenant}' is configured (sharedTenants in the config)`);
    return { ...access, name: target.tenant };
  };
  // The cloud steps ask `regionOf` for the credentials of the host they call: here, the shared tenant's.
  const regionOf = (ctx: StepContext) => {
    const t = tenantOf(ctx.request.target);
    return { clientId: t.clientId, clientSecret: t.clientSecret, datacenter: findRegion(t.region)?.datacenter ?? t.region, registerHost: registerHost(t.region) };
  };
  return { ...cloud, tenants, tenantOf, regionOf };
}

/** The descriptions spaces-step.ts gives a customer's spaces: the count of customers in a tenant is the count of production marks. */
export const PRODUCTION_MARK = "qoem: production for ";
export const STAGING_MARK = "qoem: staging for ";

export const customerNames = (cloud: CloudContext, customer: string) => ({
  group: groupNames(cloud.onboarding, customer)[0] ?? `${customer}-users`,
  ...spaceNames(customer),
});
