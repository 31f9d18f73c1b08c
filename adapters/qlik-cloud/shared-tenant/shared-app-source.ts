/**
 * A shared-tenant customer as a move's source (growing out to its own tenant): its apps are the ones
 * published to its production space, found by the marks qoem gave that space (customer-objects.ts), so
 * no other customer's app is ever listed or exported. The export is the cloud adapter's (the apps export
 * API on the shared tenant's host). A move into a shared tenant is refused before it starts, so there
 * is no import here.
 */
import { userError, type AppTransfer, type CustomerApp, type CustomerEnvironment } from "../../port.ts";
import { movableAppsInSpace } from "../list-customer-apps.ts";
import { exportAppFile } from "../export-customer-app.ts";
import type { SharedContext } from "./shared-context.ts";
import { customerObjects } from "./customer-objects.ts";

export function sharedAppSource(shared: SharedContext): AppTransfer {
  const listApps = async (env: CustomerEnvironment): Promise<CustomerApp[]> => {
    const tenant = shared.tenantOf(env.target);
    const mine = await customerObjects(shared, tenant.hostname, tenant, env.customer);
    return mine.production ? movableAppsInSpace(shared, tenant.hostname, tenant, mine.production.id) : [];
  };
  return {
    listApps,
    async exportApp(env, app) {
      const tenant = shared.tenantOf(env.target);
      // The id comes from this customer's listing; checked again, so an id from anywhere else exports nothing of another customer's.
      if (!(await listApps(env)).some((a) => a.id === app.id)) throw userError(`app ${app.name} (${app.id}) is not in ${env.customer}'s production space in shared tenant ${tenant.name}; qoem exports only that customer's apps`);
      return exportAppFile(shared, tenant.hostname, tenant, app);
    },
  };
}
