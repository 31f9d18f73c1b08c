/**
 * The Qlik Cloud adapter: a customer is a tenant in the region its data must live in.
 * Tenant create/deactivate/reactivate go to the region's register host; everything else (reading
 * the tenant included) to the tenant's own host; fleet views, and the status of a tenant whose
 * host cannot give it, to the organisation host.
 */
import { AsyncResource } from "node:async_hooks";
import { getLicenseOverview } from "@qlik/api/licenses";
import { z } from "zod";
import { LocalMutex, QoemError, permanent, userError, type Mutex, type OnQlikCall, type RateGate, type StepContext, type CustomerEnvironment, type DeploymentAdapter, type HealthReport, type OffboardResult, type OnboardRequest, type OnboardStep } from "../port.ts";
import type { HostResolver } from "../hostname-seam.ts";
import { HttpSlots } from "./http-slots.ts";
import { TokenCache, type ClientCredentials } from "./token-cache.ts";
import { QlikCaller, cloudHostKind } from "./qlik-call.ts";
import { listOrgTenants, orgTenantPages, readOrgTenant, scimString, type OrgCallKit, type OrganizationAccess, type OrgTenant } from "./org-tenants.ts";
import { OrgLookupBatch, type TenantLookup } from "./org-lookup-batch.ts";
import { tenantSteps } from "./tenant-steps.ts";
import { defaultOnboarding, type CloudOnboardingOptions } from "./onboarding-options.ts";
import { settingsStep } from "./settings-step.ts";
import { identityProviderStep } from "./idp-step.ts";
import { spacesStep } from "./spaces-step.ts";
import { sourceTemplates, templateCheckStep, templatesStep } from "./templates-step.ts";
import { brandingStep } from "./branding-step.ts";
import { monitoringStep } from "./monitoring-step.ts";
import { featuresStep, licensedFeatures } from "./features-step.ts";
import { tenantHealth } from "./tenant-health.ts";
import { deactivateCustomerTenant, reactivateCustomerTenant } from "./tenant-lifecycle.ts";
import { listCustomerApps } from "./list-customer-apps.ts";
import { exportCustomerApp } from "./export-customer-app.ts";
import { importCustomerApp } from "./import-customer-app.ts";
import { createCloudAppRollout } from "./apps/create-app-rollout.ts";

export interface CloudRegionAccess extends ClientCredentials {
  datacenter: string;
  registerHost: string;
}

export interface CloudAdapterOptions {
  resolveHost: HostResolver;
  regions: Record<string, CloudRegionAccess>;
  organization?: OrganizationAccess;
  /** The signed licence key for new tenants; when absent it is read from the source tenant. */
  licenseKey?: string;
  sourceTenant?: { hostname: string; region: string };
  onboarding?: Partial<CloudOnboardingOptions>;
  /** Paces calls per host and tier (Qlik's rate limits); none: calls go out as they come. */
  rateGate?: RateGate;
  /** Serialises tenant creation per region (see tenant-steps.ts); shared across processes where possible. */
  mutex?: Mutex;
  fetch?: typeof fetch;
  /** Told of every answer from Qlik (metrics). */
  onCall?: OnQlikCall;
  /** The largest app file a tenant takes (bytes): a move refuses a bigger app before it starts. Default 5 GiB, Qlik Cloud's standard app size limit. */
  maxAppBytes?: number;
}

export const DEFAULT_MAX_APP_BYTES = 5 * 1024 ** 3;

/** What the steps of this adapter share: calls, tokens, and the reads they all need. */
export interface CloudContext {
  options: CloudAdapterOptions;
  caller: QlikCaller;
  tokens: TokenCache;
  region(code: string): CloudRegionAccess;
  /** The region access of a step's cloud target. */
  regionOf(ctx: StepContext): CloudRegionAccess;
  onboarding: CloudOnboardingOptions;
  mutex: Mutex;
  /** Shares one in-flight or recent result per key (template exports, the source's template list). */
  memo<T>(key: string, ttlMs: number, make: () => Promise<T>): Promise<T>;
  /** Drops a shared result, so the next reader reads afresh (a template's version just changed). */
  forget(key: string): void;
  licenseKey(): Promise<string>;
  maxAppBytes: number;
  findOrgTenants(filter: string): Promise<OrgTenant[] | undefined>;
  /**
   * The tenants (any status) named for a customer or carrying its hostname; the lookups of concurrent
   * onboards in this process share listing calls (org-lookup-batch.ts). Undefined without an organisation client.
   */
  findCustomerTenants(lookup: TenantLookup): Promise<OrgTenant[] | undefined>;
  /** The organisation listing a page at a time; undefined without an organisation client. */
  orgTenantPages(filter: string): AsyncGenerator<OrgTenant[]> | undefined;
  /** One tenant from the organisation API, whatever its status; absent without an organisation client. */
  readOrgTenant?: (tenantId: string) => Promise<OrgTenant | undefined>;
  /**
   * Where a customer's apps live when it has no tenant of its own (a shared tenant's context sets it):
   * the host and credentials to call, and the customer's staging and production spaces there. Absent:
   * the customer's own tenant (its hostname, its region's client, its spaces found by their names).
   */
  customerPlace?: CustomerPlace;
}

export interface CustomerPlace {
  tenant(env: CustomerEnvironment): { host: string; creds: ClientCredentials };
  spaces(env: CustomerEnvironment): Promise<{ staging?: string; production?: string }>;
}

export function createCloudContext(options: CloudAdapterOptions): CloudContext {
  const slots = new HttpSlots();
  const fetchImpl = options.fetch ?? fetch;
  const tokens = new TokenCache(options.resolveHost, {
    fetch: (input, init) => slots.run(() => fetchImpl(input, init)),
    ...(options.rateGate ? { gate: options.rateGate } : {}),
    ...(options.onCall ? { onCall: options.onCall, hostKind: cloudHostKind } : {}),
  });
  const caller = new QlikCaller(tokens, options.resolveHost, options.rateGate, options.onCall, slots);
  const orgKit: OrgCallKit = { tokens, resolveHost: options.resolveHost, ...(options.fetch ? { fetchImpl: options.fetch } : {}), ...(options.rateGate ? { gate: options.rateGate } : {}), ...(options.onCall ? { onCall: options.onCall } : {}) };
  const organization = options.organization;
  let license: Promise<string> | undefined;
  // Created with the adapter, outside any operation: work shared between operations runs in this scope.
  const detached = new AsyncResource("qoem-shared-work");
  const memos = new Map<string, { at: number; value: Promise<unknown> }>();
  // One call answers many onboards: it runs outside any one onboard's context (its fence), like a memo.
  const lookups = organization ? new OrgLookupBatch((filter) => detached.runInAsyncScope(() => listOrgTenants(organization, orgKit, filter))) : undefined;
  const region = (code: string): CloudRegionAccess => {
    const access = options.regions[code];
    if (!access) throw userError(`no Qlik Cloud credentials are configured for region '${code}'`);
    return access;
  };
  return {
    options,
    caller,
    tokens,
    region,
    regionOf(ctx) {
      if (ctx.request.target.kind !== "cloud") throw userError("not a Qlik Cloud target");
      return region(ctx.request.target.region);
    },
    onboarding: { ...defaultOnboarding, ...options.onboarding },
    mutex: options.mutex ?? new LocalMutex(),
    maxAppBytes: options.maxAppBytes ?? DEFAULT_MAX_APP_BYTES,
    memo<T>(key: string, ttlMs: number, make: () => Promise<T>): Promise<T> {
      const hit = memos.get(key);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value as Promise<T>;
      // Shared by every operation: run outside the caller's async context, so one caller's lost lock never fails the others.
      const value = detached.runInAsyncScope(make);
      memos.set(key, { at: Date.now(), value });
      value.catch(() => memos.delete(key));
      return value;
    },
    forget(key) {
      memos.delete(key);
    },
    licenseKey() {
      if (options.licenseKey) return Promise.resolve(options.licenseKey);
      const source = options.sourceTenant;
      if (!source) return Promise.reject(new QoemError("config_error", "neither cloud.licenseKey nor cloud.sourceTenant is configured"));
      license ??= detached.runInAsyncScope(() => caller
        .call(source.hostname, region(source.region), "reading the licence key of the source tenant", async (hostConfig) => {
          const res = await getLicenseOverview({ hostConfig, noCache: true });
          const key = z.object({ licenseKey: z.string().min(1) }).safeParse(res.data);
          if (!key.success) throw permanent("the source tenant's licence overview has no licenseKey");
          return key.data.licenseKey;
        }, "getLicenseOverview")
        .catch((e: unknown) => {
          license = undefined;
          throw e;
        }));
      return license;
    },
    async findOrgTenants(filter) {
      if (!organization) return undefined;
      return listOrgTenants(organization, orgKit, filter);
    },
    findCustomerTenants: (lookup) => (lookups ? lookups.find(lookup) : Promise.resolve(undefined)),
    ...(organization ? { readOrgTenant: (tenantId: string) => readOrgTenant(organization, orgKit, tenantId) } : {}),
    orgTenantPages: (filter) => (organization ? orgTenantPages(organization, orgKit, filter) : undefined),
  };
}

export function createCloudAdapter(options: CloudAdapterOptions): DeploymentAdapter & { context: CloudContext; listTenantPages(filter?: string): AsyncIterable<OrgTenant[]> } {
  const context = createCloudContext(options);
  return {
    kind: "cloud",
    context,
    apps: {
      listApps: (env) => listCustomerApps(context, env),
      exportApp: (env, app) => exportCustomerApp(context, env, app),
      maxAppBytes: context.maxAppBytes,
      importAfterStep: "spaces",
      importApp: (dest, app, file) => importCustomerApp(context, dest, app, file),
    },
    rollout: createCloudAppRollout(context),
    onboardSteps(request: OnboardRequest): OnboardStep[] {
      if (request.target.kind !== "cloud") throw userError("the cloud adapter only onboards to Qlik Cloud regions");
      context.region(request.target.region);
      const features = request.features.length ? [featuresStep(context)] : [];
      return [
        ...(options.sourceTenant ? [templateCheckStep(context), ...features] : []),
        ...tenantSteps(context),
        ...(options.sourceTenant ? [] : features),
        settingsStep(context),
        identityProviderStep(context),
        spacesStep(context),
        templatesStep(context),
        brandingStep(context),
        monitoringStep(context),
      ];
    },
    health: (env: CustomerEnvironment): Promise<HealthReport> => tenantHealth(context, env),
    offboard: (env: CustomerEnvironment, opts: { purgeAfterDays: number }): Promise<OffboardResult> => deactivateCustomerTenant(context, env, opts.purgeAfterDays),
    reactivate: (env: CustomerEnvironment): Promise<OffboardResult> => reactivateCustomerTenant(context, env),
    // Every region gets its templates from the one source tenant.
    templateNames: async () => [...(await sourceTemplates(context)).keys()].sort(),
    licensedFeatures: () => licensedFeatures(context),
    /** The organisation listing a page at a time (default: every tenant not deleted), for fleet-wide readers. */
    listTenantPages(filter?: string) {
      const pages = context.orgTenantPages(filter ?? `status ne ${scimString("deleted")}`);
      if (!pages) throw new QoemError("config_error", "the fleet view needs an organisation-level OAuth client (cloud.organization in the config)");
      return pages;
    },
    close: async () => {},
  };
}
