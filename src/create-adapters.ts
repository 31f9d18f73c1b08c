// Builds the deployment adapters from the config, pointed at Qlik or at the emulators (the hostname seam).
import type { Config } from "./config.ts";
import { userError, type DeploymentAdapter, type Mutex, type RateGate, type Target } from "../adapters/port.ts";
import type { TierLimits } from "./core/redis-rate-gate.ts";
import type { OrgTenantView } from "./core/list-fleet.ts";
import { emulatedHosts, productionHosts } from "../adapters/hostname-seam.ts";
import { createCloudAdapter } from "../adapters/qlik-cloud/cloud-adapter.ts";
import { cloudRegions, organizationHost, registerHost } from "../adapters/qlik-cloud/regions.ts";
import {
  emulatorOrganizationClient,
  emulatorRegionClient,
  emulatorSourceTenant,
  emulatorSubscriptionId,
  emulatorOnboarding,
} from "../adapters/qlik-cloud/emulator/emulator-credentials.ts";

export interface Adapters {
  cloud: ReturnType<typeof createCloudAdapter>;
  /** The organisation-level tenant listing, where an organisation client is configured. */
  listTenants?: () => Promise<OrgTenantView[]>;
  /** Tenants that are not customers: the OEM's source tenant. */
  ignoreHosts: string[];
  adapterFor(target: Target): DeploymentAdapter;
  close(): Promise<void>;
}

/** Qlik's documented limits (tier 1 1,000/min, tier 2 100/min), or the config's. */
export function gateLimits(config: Config): TierLimits {
  const perMinute = config.cloud.rateLimits ?? { tier1PerMinute: 1000, tier2PerMinute: 100 };
  return { tier1: { max: perMinute.tier1PerMinute, windowMs: 60_000 }, tier2: { max: perMinute.tier2PerMinute, windowMs: 60_000 } };
}

export function createAdapters(config: Config, emulatorUrl?: string, rateGate?: RateGate, mutex?: Mutex): Adapters {
  const shared = { ...(rateGate ? { rateGate } : {}), ...(mutex ? { mutex } : {}) };
  const cloud = emulatorUrl
    ? createCloudAdapter({
        resolveHost: emulatedHosts(emulatorUrl),
        regions: Object.fromEntries(cloudRegions.map((r) => [r.code, { ...emulatorRegionClient(r.code), datacenter: r.datacenter, registerHost: registerHost(r.code) }])),
        organization: { ...emulatorOrganizationClient, host: organizationHost, subscriptionId: emulatorSubscriptionId },
        sourceTenant: emulatorSourceTenant,
        onboarding: { ...emulatorOnboarding(), ...config.cloud.onboarding },
        ...shared,
      })
    : createCloudAdapter({
        resolveHost: productionHosts,
        regions: config.cloud.regions,
        ...(config.cloud.organization ? { organization: config.cloud.organization } : {}),
        ...(config.cloud.licenseKey ? { licenseKey: config.cloud.licenseKey } : {}),
        ...(config.cloud.sourceTenant ? { sourceTenant: config.cloud.sourceTenant } : {}),
        onboarding: config.cloud.onboarding,
        ...shared,
      });
  const hasOrganization = Boolean(emulatorUrl || config.cloud.organization);
  const source = emulatorUrl ? emulatorSourceTenant : config.cloud.sourceTenant;
  return {
    cloud,
    ...(hasOrganization ? { listTenants: () => cloud.listTenants() } : {}),
    ignoreHosts: source ? [source.hostname] : [],
    adapterFor(target) {
      if (target.kind === "cloud") return cloud;
      throw userError(`client-managed site '${target.site}' cannot be served yet: the client-managed adapter is not built`);
    },
    close: () => cloud.close(),
  };
}
