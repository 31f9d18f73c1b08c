// The Qlik Cloud emulator's in-memory world: tenants, OAuth clients and the tokens they were issued.
import { randomId, lowerId } from "./http-kit.ts";
import { cloudRegions } from "../regions.ts";
import { creatableDatacenters } from "../spec/read-qlik-spec.ts";
import { TenantData } from "./tenant-data.ts";

export type TenantStatus = "active" | "disabled" | "deleted" | "user-access-disabled";

export interface EmuTenant {
  id: string;
  name: string;
  hostnames: string[];
  status: TenantStatus;
  datacenter: string;
  region: string;
  subscriptionId: string;
  created: string;
  lastUpdated: string;
  statusLastUpdatedAt: string;
  createdByUser: string;
  estimatedPurgeDate?: string;
  autoAssignCreateSharedSpacesRoleToProfessionals: boolean;
  autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals: boolean;
  autoAssignDataServicesContributorRoleToProfessionals: boolean;
  enableAnalyticCreation: boolean;
  enableAppOpeningFeedback: boolean;
  /** Emulator knob: an unhealthy tenant answers its own host with 503. */
  unhealthy?: boolean;
  /** Emulator knob: every reload on this tenant fails (a customer whose data does not fit the new version). */
  reloadsFail?: boolean;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Region code for a region-level client; "organization" for the org-level client. */
  scope: string;
}

export interface TokenGrant {
  token: string;
  host: string;
  clientId: string;
  expiresAt: number;
  /** A token for a person of the tenant (an embedded user signed in through the IdP), not for the client's bot user. */
  userId?: string;
}

export const TOKEN_LIFETIME_SECONDS = 21_600;

export class CloudState {
  readonly tenants = new Map<string, EmuTenant>();
  private readonly hostIndex = new Map<string, string>();
  readonly clients = new Map<string, OAuthClient>();
  private readonly contents = new Map<string, TenantData>();
  private readonly tokens = new Map<string, TokenGrant>();
  tokensIssued = 0;
  /** The largest app file a tenant imports (Qlik Cloud's standard app size limit); tests lower it. */
  maxAppBytes = 5 * 1024 ** 3;
  tenantsCreated = 0;

  constructor(
    readonly subscriptionId: string,
    readonly licenseKey: string,
    public tenantCapPerRegion: number,
  ) {}

  /** A datacenter Qlik's specification lists for tenant creation. */
  creatableDatacenter(datacenter: string): boolean {
    return creatableDatacenters().includes(datacenter);
  }

  datacenterOf(region: string): string {
    return cloudRegions.find((r) => r.code === region)?.datacenter ?? region;
  }

  addTenant(input: { datacenter: string; region: string; name?: string; hostname?: string; createdBy: string }): EmuTenant {
    const now = new Date().toISOString();
    const id = randomId(32);
    let generated: string;
    do generated = `${lowerId(12)}.${input.region}.qlikcloud.com`;
    while (this.hostIndex.has(generated));
    const tenant: EmuTenant = {
      id,
      name: input.name ?? generated.split(".")[0]!,
      hostnames: [input.hostname ?? generated],
      status: "active",
      datacenter: input.datacenter,
      region: input.region,
      subscriptionId: this.subscriptionId,
      created: now,
      lastUpdated: now,
      statusLastUpdatedAt: now,
      createdByUser: input.createdBy,
      autoAssignCreateSharedSpacesRoleToProfessionals: true,
      autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals: true,
      autoAssignDataServicesContributorRoleToProfessionals: true,
      enableAnalyticCreation: false,
      enableAppOpeningFeedback: true,
    };
    this.tenants.set(id, tenant);
    for (const h of tenant.hostnames) this.hostIndex.set(h, id);
    this.tenantsCreated++;
    return tenant;
  }

  /** The content of a tenant (spaces, apps, IdPs…), created on first use. */
  dataOf(tenantId: string): TenantData {
    let data = this.contents.get(tenantId);
    if (!data) {
      data = new TenantData(tenantId);
      this.contents.set(tenantId, data);
    }
    return data;
  }

  tenantByHost(hostname: string): EmuTenant | undefined {
    const id = this.hostIndex.get(hostname);
    return id === undefined ? undefined : this.purgeIfDue(this.tenants.get(id));
  }

  tenantById(id: string): EmuTenant | undefined {
    return this.purgeIfDue(this.tenants.get(id));
  }

  /** The tenant holding a hostname; a purged tenant holds none (Qlik frees its names with it). */
  hostnameOwner(hostname: string): string | undefined {
    const id = this.hostIndex.get(hostname);
    if (id === undefined) return undefined;
    return this.tenantById(id)?.status === "deleted" ? undefined : id;
  }

  setAlias(tenant: EmuTenant, alias: string): void {
    const old = tenant.hostnames[1];
    if (old) this.hostIndex.delete(old);
    tenant.hostnames = [tenant.hostnames[0]!, alias];
    this.hostIndex.set(alias, tenant.id);
  }

  activeInRegion(region: string): number {
    let n = 0;
    for (const t of this.tenants.values()) if (t.region === region && t.status !== "deleted") n++;
    return n;
  }

  /** A disabled tenant past its purge date is deleted, as Qlik's purge job would do. */
  private purgeIfDue(tenant: EmuTenant | undefined): EmuTenant | undefined {
    if (tenant?.status === "disabled" && tenant.estimatedPurgeDate && Date.parse(tenant.estimatedPurgeDate) <= Date.now()) {
      tenant.status = "deleted";
      tenant.statusLastUpdatedAt = new Date().toISOString();
    }
    return tenant;
  }

  issueToken(host: string, clientId: string, userId?: string): TokenGrant {
    const grant: TokenGrant = { token: randomId(48), host, clientId, expiresAt: Date.now() + TOKEN_LIFETIME_SECONDS * 1000, ...(userId ? { userId } : {}) };
    this.tokens.set(grant.token, grant);
    this.tokensIssued++;
    return grant;
  }

  grantFor(token: string): TokenGrant | undefined {
    const grant = this.tokens.get(token);
    if (grant && grant.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return grant;
  }

  /** Emulator knob: expire every token so clients must fetch new ones. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  toJSON(tenant: EmuTenant, base: string) {
    const { unhealthy: _unhealthy, reloadsFail: _reloadsFail, subscriptionId: _sub, ...visible } = this.purgeIfDue(tenant)!;
    return { ...visible, links: { self: { href: `${base}/api/v1/tenants/${tenant.id}` } } };
  }
}
