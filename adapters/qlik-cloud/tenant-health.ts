/**
 * Health of one customer's tenant: its status, whether its host answers, its identity provider,
 * its templates present and published, failed reloads in the last 24 hours, and licence use.
 * Every reason names what is wrong; the verdict is the worst of them.
 */
import { HealthFindings } from "../health-findings.ts";
import { getMyTenant } from "@qlik/api/tenants";
import { getLicenseOverview } from "@qlik/api/licenses";
import { getReloads } from "@qlik/api/reloads";
import { z } from "zod";
import { notFound, type CustomerEnvironment, type HealthReport, type StepContext } from "../port.ts";
import { readTenant, type TenantInfo } from "./read-tenant.ts";
import { listIdps, wantedIdp } from "./idp-step.ts";
import { findSpace } from "./spaces-step.ts";
import { appsInSpace, wantedTemplates } from "./templates-step.ts";
import { spaceNames } from "./onboarding-options.ts";
import { listAll, validItems } from "./qlik-call.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const DAY_MS = 86_400_000;
const allotmentsSchema = z.object({ allotments: z.array(z.object({ name: z.string(), units: z.number(), unitsUsed: z.number() })).default([]) });
const reloadSchema = z.object({ status: z.string(), creationTime: z.string().optional(), errorMessage: z.string().optional() });

export async function tenantHealth(cloud: CloudContext, env: CustomerEnvironment): Promise<HealthReport> {
  if (env.target.kind !== "cloud" || !env.tenantId) throw notFound(`${env.customer} has no Qlik Cloud tenant recorded`);
  const region = env.target.region;
  const creds = cloud.region(region);
  const f = new HealthFindings();
  const report = (): HealthReport => f.report(env.customer);

  // A sweep passes the status it just read from the organisation listing: no second read per tenant.
  // Otherwise the tenant is read on its own host (its generated name, which no alias change moves),
  // which also shows that the host answers.
  const readAt = env.tenantHost ?? env.hostname;
  const known = env.knownStatus === "active" && env.hostname;
  let tenant: TenantInfo | undefined;
  try {
    tenant = known ? { id: env.tenantId, name: env.customer, hostnames: [env.hostname!], status: "active" } : await readTenant(cloud, region, env.tenantId, readAt);
  } catch (e) {
    if (!["permanent", "transient", "config_error"].includes((e as { code?: string }).code ?? "")) throw e;
    f.add("red", `the tenant's host ${readAt ?? env.tenantId} does not answer (${(e as Error).message})`);
    return report();
  }
  if (!tenant) f.add("red", `tenant ${env.tenantId} no longer exists`);
  else if (tenant.status === "disabled") {
    const purge = tenant.estimatedPurgeDate ?? env.purgeDate;
    f.add("red", `tenant is deactivated${purge ? `, purge on ${purge.slice(0, 10)}` : ""}`);
  }
  else if (tenant.status === "deleted") f.add("red", "tenant was purged");
  else if (tenant.status === "user-access-disabled") f.add("red", "user access to the tenant is disabled");
  if (!tenant || tenant.status !== "active") return report();

  const host = env.hostname && tenant.hostnames.includes(env.hostname) ? env.hostname : tenant.hostnames[0]!;
  if (env.hostname && !tenant.hostnames.includes(env.hostname)) f.add("amber", `hostname alias ${env.hostname} is missing`);
  if (known || readAt !== host) {
    try {
      await cloud.caller.call(host, creds, `reaching ${host}`, (hostConfig) => getMyTenant({ hostConfig, noCache: true }), "getMyTenant");
    } catch (e) {
      f.add("red", `the tenant's host ${host} does not answer (${(e as Error).message})`);
      return report();
    }
  }
  // Compared against the templates the customer was given, not every configured one.
  const ctx: StepContext = { request: { customer: env.customer, target: env.target, templates: env.templates ?? [], features: [] }, facts: { tenantId: tenant.id, tenantHost: tenant.hostnames[0]!, hostname: host } };

  const wanted = wantedIdp(cloud);
  const idps = await listIdps(cloud, ctx);
  const idp = wanted ? idps.find(wanted.matches) : idps[0];
  if (!idp) f.add("red", wanted ? `identity provider ${wanted.kind} ${wanted.key} is missing: users cannot sign in` : "no identity provider: users cannot sign in");
  else if (idp.pendingState === "pending" && idp.active === false) {
    f.add("amber", `identity provider ${wanted?.kind ?? idp.protocol} ${idp.id} is awaiting verification: a tenant administrator must sign in through it and promote its settings before users can`);
  } else if (idp.pendingState === "error" && idp.active === false) f.add("red", `identity provider ${idp.id} failed its verification test: check its settings in the tenant`);
  else if (idp.active === false) f.add("red", `identity provider ${idp.id} is inactive`);

  const names = spaceNames(env.customer);
  const production = await findSpace(cloud, host, creds, names.production, "managed");
  const publishedApps = production ? await appsInSpace(cloud, host, creds, production.id) : [];
  if (!production) f.add("amber", `production space ${names.production} is missing`);
  else {
    const expected = await wantedTemplates(cloud, ctx).catch(() => []);
    const missing = expected.filter((t) => !publishedApps.some((a) => a.name === t.name)).map((t) => t.name);
    if (missing.length) f.add("amber", `templates not published to ${names.production}: ${missing.join(", ")}`);
  }

  let failed = 0;
  let lastError = "";
  for (const app of publishedApps) {
    const reloads = await listAll(cloud.caller, host, creds, "reading reloads", "getReloads", (hostConfig, next) =>
      getReloads({ appId: app.resourceId, filter: 'status eq "FAILED" or status eq "EXCEEDED_LIMIT"', sort: "-creationTime", limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
    );
    for (const r of validItems(reloads, reloadSchema)) {
      if (r.creationTime && Date.now() - Date.parse(r.creationTime) <= DAY_MS) {
        failed++;
        lastError ||= r.errorMessage ?? r.status;
      }
    }
  }
  if (failed) f.add(failed >= 5 ? "red" : "amber", `${failed} failed reload${failed > 1 ? "s" : ""} in the last 24 hours${lastError ? ` (latest: ${lastError})` : ""}`);

  const overview = allotmentsSchema.safeParse((await cloud.caller.call(host, creds, "reading licence use", (hostConfig) => getLicenseOverview({ hostConfig, noCache: true }), "getLicenseOverview")).data);
  for (const a of overview.success ? overview.data.allotments : []) {
    if (a.units <= 0) continue;
    const use = a.unitsUsed / a.units;
    if (use >= 1) f.add("red", `${a.name} licences used up (${a.unitsUsed} of ${a.units})`);
    else if (use >= 0.9) f.add("amber", `${a.name} licences ${Math.round(use * 100)}% used (${a.unitsUsed} of ${a.units})`);
  }
  return report();
}
