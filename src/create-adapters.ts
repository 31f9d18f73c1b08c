// Builds the deployment adapters from the config, pointed at Qlik or at the emulators (the hostname seam).
import { readFileSync } from "node:fs";
import { ConfigError, type Config, type SiteConfig } from "./config.ts";
import { emulatorJwtCertificate } from "../adapters/client-managed/emulator/emulator-jwt-signer.ts";
import { createSiteAdapter, type SiteAccess } from "../adapters/client-managed/site-adapter.ts";
import { type DeploymentAdapter, type Mutex, type OnQlikCall, type RateGate, type Target } from "../adapters/port.ts";
import type { TierLimits } from "./core/redis-rate-gate.ts";
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
} from "../adapters/qlik-cloud/emulator/emulator-credentials.ts";

export interface Adapters {
  cloud: ReturnType<typeof createCloudAdapter>;
  sites: ReturnType<typeof createSiteAdapter>;
  /** The organisation-level tenant listing, where an organisation client is configured. */
  listTenantPages?: TenantPages;
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

/** The embedded site emulator as the site named `local`. */
export function emulatedSite(url: string, engineUrl: string): SiteAccess {
  return { qrsUrl: url, engineUrl, userDirectory: "INTERNAL", userId: "sa_repository", templateStream: "OEM templates", jwtPublicKey: emulatorJwtCertificate };
}

/** `onCall` is told of every answer from Qlik Cloud and the sites' repositories (the metrics). */
export function createAdapters(config: Config, emulatorUrl?: string, rateGate?: RateGate, mutex?: Mutex, extraSites: Record<string, SiteAccess> = {}, siteGate?: RateGate, onCall?: OnQlikCall): Adapters {
  const observed = onCall ? { onCall } : {};
  const sites = createSiteAdapter({ ...Object.fromEntries(Object.entries(config.sites).map(([name, site]) => [name, siteAccess(name, site)])), ...extraSites }, { ...(siteGate ? { rateGate: siteGate } : {}), ...observed });
  const shared = { ...(rateGate ? { rateGate } : {}), ...(mutex ? { mutex } : {}), ...observed };
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
    ...(hasOrganization ? { listTenantPages: (filter?: string) => cloud.listTenantPages(filter) } : {}),
    ignoreHosts: source ? [source.hostname] : [],
    sites,
    adapterFor(target) {
      if (target.kind === "cloud") return cloud;
      sites.context.site(target.site);
      return sites;
    },
    close: async () => {
      await cloud.close();
      await sites.close();
    },
  };
}
