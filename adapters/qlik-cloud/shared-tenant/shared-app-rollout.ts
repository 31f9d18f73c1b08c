/**
 * Template rollouts to the customers of a shared tenant: the cloud adapter's own rollout (the new
 * version imported into the customer's staging space, republished over its production app, reloaded
 * with its variables and checked, the previous app republished again when the check fails) run on the
 * shared tenant's host with its credentials. The customer's spaces are found by the marks qoem gave
 * them (customer-objects.ts), never by name alone, so no other customer's app is read or touched.
 * The version is the OEM's source tenant's, where the shared tenant's onboards take their templates
 * from (templates-step.ts), read once per shared tenant. A customer without the template published
 * (one the tenant does not offer) is skipped as anywhere else; every customer that has it gets the
 * same version, as the guide's identical functionality wants.
 */
import type { AppRollout } from "../../port.ts";
import type { CustomerPlace } from "../cloud-adapter.ts";
import { createCloudAppRollout } from "../apps/create-app-rollout.ts";
import type { SharedContext } from "./shared-context.ts";
import { customerSpaces } from "./customer-objects.ts";

export function sharedAppRollout(shared: SharedContext): AppRollout {
  const place: CustomerPlace = {
    tenant(env) {
      const tenant = shared.tenantOf(env.target);
      return { host: tenant.hostname, creds: tenant };
    },
    async spaces(env) {
      const tenant = shared.tenantOf(env.target);
      const { staging, production } = await customerSpaces(shared, tenant.hostname, tenant, env.customer);
      return { ...(staging ? { staging: staging.id } : {}), ...(production ? { production: production.id } : {}) };
    },
  };
  return createCloudAppRollout({ ...shared, customerPlace: place });
}
