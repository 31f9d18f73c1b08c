// Builds the deployment adapters from the config, pointed at Qlik or at the emulators (the hostname seam).
import { readFileSync } from "node:fs";
import { ConfigError, DEFAULT_QRS_REQUESTS_PER_MINUTE, type Config, type SiteConfig } from "./config.ts";
import { emulatorJwtCertificate } from "../adapters/client-managed/emulator/emulator-jwt-signer.ts";
import { createSiteAdapter, type SiteAccess } from "../adapters/client-managed/site-adapter.ts";
import { type DeploymentAdapter, type Mutex, type OnQlikCall, type RateGate, type Target } from "../adapters/port.ts";
import type { TierLimits } from "./core/redis-rate-gate.ts";
import { specialTierPerMinute } from "../adapters/qlik-cloud/spec/read-qlik-spec.ts";
import type { TenantPages } from "./core/list-fleet.ts";
import { emulatedHosts, productionHosts } from "../adapters/hostname-seam.ts";
import { createCloudAdapter } from "../adapters/qlik-cloud/cloud-adapter.ts";
import { cloudRegions, organizationHost, registerHost } from "../adapters/qlik-cloud/regions.ts";
import {
  emulatorOrganizationClient,
  emulatorRegionClient,
  emulatorSourceTenant,
  emulatorSubscriptionId,
  emulatorOnboarding,
  emulatorSharedTenant,
} from "../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { createSharedTenantAdapter, type SharedTenantAdapter } from "../adapters/qlik-cloud/shared-tenant/shared-tenant-adapter.ts";
import type { SharedTenantAccess } from "../adapters/qlik-cloud/shared-tenant/shared-context.ts";

export interface Adapters {
  cloud: ReturnType<typeof createCloudAdapter>;
  sites: ReturnType<typeof createSiteAdapter>;
  /** Customers in shared tenants; `sharedTenants` names each tenant with its access and offer. */
  shared: SharedTenantAdapter;
  sharedTenants: Record<string, SharedTenantAccess>;
  /** The organisation-level tenant listing, where an organisation client is configured. */
  listTenantPages?: TenantPages;
  /** Tenants that are not customers: the OEM's source tenant. */
  ignoreHosts: string[];
  adapterFor(target: Target): DeploymentAdapter;
  close(): Promise<void>;
}

/**
 * Qlik's documented limits (tier 1 1,000/min, tier 2 100/min, the special tier's POST /v1/reloads
 * 50/min from the specification), or the config's.
 */
export function gateLimits(config: Config): TierLimits {
  const perMinute = config.cloud.rateLimits ?? { tier1PerMinute: 1000, tier2PerMinute: 100 };
  const special = perMinute.specialPerMinute ?? specialTierPerMinute();
  return { tier1: { max: perMinute.tier1PerMinute, windowMs: 60_000 }, tier2: { max: perMinute.tier2PerMinute, windowMs: 60_000 }, special: { max: special, windowMs: 60_000 } };
}

/**
 * The limits of one site's repository gate: QRS has no tiers (and documents no rate limit), so all
 * its calls share one budget, counted as the gate's tier 1.
 */
export function siteGateLimits(config: Config, site: string): TierLimits {
  return { tier1: { max: config.sites[site]?.qrsRequestsPerMinute ?? DEFAULT_QRS_REQUESTS_PER_MINUTE, windowMs: 60_000 }, tier2: null };
}

/** A site from the config: certificate and key files read now, so a missing file stops start-up. */
function siteAccess(name: string, site: SiteConfig): SiteAccess {
  const read = (what: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path, "utf8");
    } catch (e) {
      throw new ConfigError(`sites.${name}.${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
  };
  const tls = { cert: read("cert", site.cert), key: read("key", site.key), ca: read("ca", site.ca) };
  const jwtPublicKey = read("jwtPublicKey", site.jwtPublicKey);
  return {
    qrsUrl: site.qrsUrl,
    engineUrl: site.engineUrl,
    userDirectory: site.userDirectory,
    userId: site.userId,
    templateStream: site.templateStream,
    ...(tls.cert || tls.key || tls.ca ? { tls: Object.fromEntries(Object.entries(tls).filter(([, v]) => v)) } : {}),
    ...(jwtPublicKey ? { jwtPublicKey } : {}),
    ...(site.allowedOrigins ? { allowedOrigins: site.allowedOrigins } : {}),
  };
}

/**
 * The shared tenants by name with their credentials: the config's (their own OAuth client, else their
 * region's); on the emulators, the embedded `shared` one and the config's, all with the emulator's clients.
 */
export function sharedTenantAccess(config: Config, emulated: boolean): Record<string, SharedTenantAccess> {
  const out: Record<string, SharedTenantAccess> = {};
  const offer = { templates: [] as string[], features: [] as string[], dummyEmailDomain: "users.invalid" };
  if (emulated) out[emulatorSharedTenant.name] = { hostname: emulatorSharedTenant.hostname, region: emulatorSharedTenant.region, ...emulatorRegionClient(emulatorSharedTenant.region), ...offer };
  for (const [name, t] of Object.entries(config.sharedTenants)) {
    const creds = emulated ? emulatorRegionClient(t.region) : t.clientId && t.clientSecret ? { clientId: t.clientId, clientSecret: t.clientSecret } : config.cloud.regions[t.region];
    if (!creds) throw new ConfigError(`sharedTenants.${name}: no OAuth client (its own, or cloud.regions.${t.region}'s)`);
    out[name] = { hostname: t.hostname, region: t.region, clientId: creds.clientId, clientSecret: creds.clientSecret, templates: t.templates, features: t.features, dummyEmailDomain: t.dummyEmailDomain };
  }
  return out;
}

/** The embedded site emulator as the site named `local`. */
export function emulatedSite(url: string, engineUrl: string): SiteAccess {
  return { qrsUrl: url, engineUrl, userDirectory: "INTERNAL", userId: "sa_repository", templateStream: "OEM templates", jwtPublicKey: emulatorJwtCertificate };
}

/**
 * `onCall` is told of every answer from Qlik Cloud, the sites' repositories and the engines (the metrics);
 * `siteGate` gives each site's repository its own rate gate.
 */
export function createAdapters(config: Config, emulatorUrl?: string, rateGate?: RateGate, mutex?: Mutex, extraSites: Record<string, SiteAccess> = {}, siteGate?: (site: string) => RateGate, onCall?: OnQlikCall): Adapters {
  const observed = onCall ? { onCall } : {};
  const sites = createSiteAdapter({ ...Object.fromEntries(Object.entries(config.sites).map(([name, site]) => [name, siteAccess(name, site)])), ...extraSites }, { ...(siteGate ? { rateGateOf: siteGate } : {}), ...observed });
  const common = { ...(rateGate ? { rateGate } : {}), ...(mutex ? { mutex } : {}), ...observed, ...(config.cloud.maxAppBytes ? { maxAppBytes: config.cloud.maxAppBytes } : {}) };
  const cloud = emulatorUrl
    ? createCloudAdapter({
        resolveHost: emulatedHosts(emulatorUrl),
        regions: Object.fromEntries(cloudRegions.map((r) => [r.code, { ...emulatorRegionClient(r.code), datacenter: r.datacenter, registerHost: registerHost(r.code) }])),
        organization: { ...emulatorOrganizationClient, host: organizationHost, subscriptionId: emulatorSubscriptionId },
        sourceTenant: emulatorSourceTenant,
        onboarding: { ...emulatorOnboarding(), ...config.cloud.onboarding },
        ...common,
      })
    : createCloudAdapter({
        resolveHost: productionHosts,
        regions: config.cloud.regions,
        ...(config.cloud.organization ? { organization: config.cloud.organization } : {}),
        ...(config.cloud.licenseKey ? { licenseKey: config.cloud.licenseKey } : {}),
        ...(config.cloud.sourceTenant ? { sourceTenant: config.cloud.sourceTenant } : {}),
        onboarding: config.cloud.onboarding,
        ...common,
      });
  const hasOrganization = Boolean(emulatorUrl || config.cloud.organization);
  const source = emulatorUrl ? emulatorSourceTenant : config.cloud.sourceTenant;
  const sharedTenants = sharedTenantAccess(config, Boolean(emulatorUrl));
  const shared = createSharedTenantAdapter(cloud.context, sharedTenants);
  return {
    cloud,
    shared,
    sharedTenants,
    ...(hasOrganization ? { listTenantPages: (filter?: string) => cloud.listTenantPages(filter) } : {}),
    // The source tenant and the shared tenants are not customers' own tenants.
    ignoreHosts: [...(source ? [source.hostname] : []), ...Object.values(sharedTenants).map((t) => t.hostname)],
    sites,
    adapterFor(target) {
      if (target.kind === "cloud") return cloud;
      if (target.kind === "shared") {
        shared.context.tenantOf(target);
        return shared;
      }
      sites.context.site(target.site);
      return sites;
    },
    close: async () => {
      await cloud.close();
      await sites.close();
    },
  };
}
