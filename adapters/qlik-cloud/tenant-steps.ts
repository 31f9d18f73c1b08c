/**
 * Onboarding steps that make the tenant itself: find or create it in the customer's region and
 * give it the customer's name, then add the hostname alias `<customer>.<region>.qlikcloud.com`.
 * Each step first looks for what it would create, so a retried or resumed job never makes a
 * second tenant.
 */
import { createTenant, patchTenant } from "@qlik/api/tenants";
import { conflict, permanent, type OnboardStep, type StepContext, type StepOutcome, type PlannedStep } from "../port.ts";
import { customerHostname } from "./regions.ts";
import { scimString } from "./org-tenants.ts";
import type { CloudContext } from "./cloud-adapter.ts";
import { reactivateCustomerTenant } from "./tenant-lifecycle.ts";
import { parseTenant, readTenant, type TenantInfo } from "./read-tenant.ts";

const regionOf = (ctx: StepContext) => {
  if (ctx.request.target.kind !== "cloud") throw permanent("not a cloud target");
  return ctx.request.target.region;
};

/** The customer's live tenant: by the id qoem recorded, else by name or alias in the organisation listing. */
async function findCustomerTenant(cloud: CloudContext, ctx: StepContext): Promise<TenantInfo | undefined> {
  const region = regionOf(ctx);
  if (ctx.facts.tenantId) {
    const known = await readTenant(cloud, region, ctx.facts.tenantId, ctx.facts.tenantHost ?? ctx.facts.hostname);
    if (known && known.status !== "deleted") return known;
  }
  const { customer } = ctx.request;
  const datacenter = cloud.region(region).datacenter;
  // Asked with the lookups of other onboards in this process, in one listing call (org-lookup-batch.ts).
  const found = await cloud.findCustomerTenants({ name: customer, hostname: customerHostname(customer, region) });
  const live = (found ?? []).filter((t) => t.status !== "deleted" && (t.regionCode === undefined || t.regionCode === datacenter));
  if (live.length > 1) {
    throw conflict(`${live.length} tenants in ${region} are named '${customer}' or carry its hostname (${live.map((t) => t.id).join(", ")}); resolve this by hand`);
  }
  return live[0] ? readTenant(cloud, region, live[0].id, live[0].hostnames[0]) : undefined;
}

/**
 * An earlier attempt sent the create call but never saw the answer (a dropped connection): the
 * tenant exists, unnamed. Adopt a tenant of this region created since that attempt that still has
 * its generated name, and claim it by naming it; a re-read proves nobody else claimed it first.
 */
async function adoptOrphan(cloud: CloudContext, ctx: StepContext, region: string, since: number): Promise<TenantInfo | undefined> {
  const datacenter = cloud.region(region).datacenter;
  const recent = await cloud.findOrgTenants(`regionCode eq ${scimString(datacenter)} and status eq ${scimString("active")}`);
  const orphans = (recent ?? []).filter((t) => t.createdAt && Date.parse(t.createdAt) >= since - 5_000 && t.hostnames[0] && t.name === t.hostnames[0].split(".")[0]);
  for (const candidate of orphans) {
    const tenant = await readTenant(cloud, region, candidate.id, candidate.hostnames[0]);
    if (!tenant || tenant.name !== tenant.hostnames[0]!.split(".")[0]) continue;
    await patch(cloud, region, tenant, "/name", ctx.request.customer);
    const claimed = await readTenant(cloud, region, candidate.id, tenant.hostnames[0]);
    if (claimed?.name === ctx.request.customer) return claimed;
  }
  return undefined;
}

async function patch(cloud: CloudContext, region: string, tenant: TenantInfo, path: "/name" | "/hostnames/1", value: string): Promise<void> {
  const access = cloud.region(region);
  await cloud.caller.call(tenant.hostnames[0]!, access, `setting ${path} of tenant ${tenant.id}`, (hostConfig) =>
    patchTenant(tenant.id, [{ op: "replace", path, value }], { hostConfig }), "patchTenant",
  );
}

function tenantStep(cloud: CloudContext): OnboardStep {
  return {
    id: "tenant",
    title: "Create tenant",
    async run(ctx): Promise<StepOutcome> {
      const region = regionOf(ctx);
      const { customer } = ctx.request;
      let tenant = await findCustomerTenant(cloud, ctx);
      let outcome: StepOutcome["outcome"] = "adopted";
      if (!tenant) {
        // Creates in a region run side by side (shared); looking for an orphan runs alone (exclusive),
        // once every create in flight has named its tenant, so an unnamed tenant is never another
        // customer's tenant in the middle of its own onboarding.
        const lock = `tenant-create:${region}`;
        const orphan = ctx.facts.creatingSince ? await cloud.mutex.exclusive(lock, () => adoptOrphan(cloud, ctx, region, Number(ctx.facts.creatingSince))) : undefined;
        const created = orphan
          ? { tenant: orphan, fresh: false }
          : await cloud.mutex.shared(lock, async () => {
              const access = cloud.region(region);
              const licenseKey = await cloud.licenseKey();
              // Marks that a create is about to go out, so a retry that never saw its answer can find the tenant.
              await ctx.checkpoint?.({ creatingSince: String(Date.now()) });
              let fresh: TenantInfo;
              try {
                fresh = await cloud.caller.call(access.registerHost, access, `creating a tenant in ${region}`, async (hostConfig) => {
                  const res = await createTenant({ licenseKey, datacenter: access.datacenter }, { hostConfig });
                  return parseTenant(res.data, `creating a tenant in ${region}`);
                }, "createTenant");
              } catch (error) {
                // Qlik answered (429, 4xx, 5xx): nothing was created, so there is no orphan to look for.
                if (!/connection to Qlik failed/.test((error as Error).message)) await ctx.checkpoint?.({ creatingSince: "" });
                throw error;
              }
              // Recorded before anything else, so a crash from here on resumes with this tenant.
              await ctx.checkpoint?.({ tenantId: fresh.id, tenantHost: fresh.hostnames[0]!, creatingSince: "" });
              await patch(cloud, region, fresh, "/name", customer);
              return { tenant: { ...fresh, name: customer }, fresh: true };
            });
        tenant = created.tenant;
        outcome = created.fresh ? "created" : "adopted";
      }
      const wasDisabled = tenant.status === "disabled";
      if (wasDisabled) {
        // The customer's own tenant, deactivated by an abandoned onboard and not yet purged: bring it back rather than make a second.
        await reactivateCustomerTenant(cloud, { customer, target: ctx.request.target, tenantId: tenant.id, hostname: tenant.hostnames[0]! });
        // Its host, which could only say "deactivated", now answers with the whole tenant.
        tenant = (await readTenant(cloud, region, tenant.id, tenant.hostnames[0])) ?? tenant;
        outcome = "updated";
      }
      if (tenant.name !== customer) {
        await patch(cloud, region, tenant, "/name", customer);
        if (outcome === "adopted") outcome = "updated";
      } else if (outcome === "adopted" && ctx.facts.tenantId === tenant.id) outcome = "unchanged";
      return {
        outcome,
        detail: `tenant ${tenant.id} in ${region} (${cloud.region(region).datacenter}), named ${customer}${wasDisabled ? ", reactivated" : ""}`,
        facts: { tenantId: tenant.id, tenantHost: tenant.hostnames[0]! },
      };
    },
    async plan(ctx): Promise<PlannedStep> {
      const region = regionOf(ctx);
      const tenant = await findCustomerTenant(cloud, ctx);
      if (tenant) {
        return { id: "tenant", title: "Create tenant", action: tenant.name === ctx.request.customer ? "adopt" : "update", detail: `adopt existing tenant ${tenant.id}`, facts: { tenantId: tenant.id, tenantHost: tenant.hostnames[0]! } };
      }
      return { id: "tenant", title: "Create tenant", action: "create", detail: `create a tenant in ${region} (datacenter ${cloud.region(region).datacenter}) named ${ctx.request.customer}` };
    },
  };
}

function hostnameStep(cloud: CloudContext): OnboardStep {
  return {
    id: "hostname",
    title: "Set hostname alias",
    async run(ctx): Promise<StepOutcome> {
      const region = regionOf(ctx);
      const alias = customerHostname(ctx.request.customer, region);
      const tenantId = ctx.facts.tenantId;
      if (!tenantId) throw permanent("the tenant step has not recorded a tenant id");
      const tenant = await readTenant(cloud, region, tenantId, ctx.facts.tenantHost ?? ctx.facts.hostname);
      if (!tenant) throw permanent(`tenant ${tenantId} is gone; run the onboard again to create a new one`);
      if (tenant.hostnames.includes(alias)) return { outcome: "unchanged", detail: alias, facts: { hostname: alias } };
      await patch(cloud, region, tenant, "/hostnames/1", alias);
      return { outcome: "updated", detail: alias, facts: { hostname: alias } };
    },
    async plan(ctx): Promise<PlannedStep> {
      const region = regionOf(ctx);
      const alias = customerHostname(ctx.request.customer, region);
      const tenant = ctx.facts.tenantId ? await readTenant(cloud, region, ctx.facts.tenantId, ctx.facts.tenantHost ?? ctx.facts.hostname) : undefined;
      if (tenant?.hostnames.includes(alias)) return { id: "hostname", title: "Set hostname alias", action: "none", detail: `${alias} already set`, facts: { hostname: alias } };
      return { id: "hostname", title: "Set hostname alias", action: "update", detail: `add alias ${alias}` };
    },
  };
}

export function tenantSteps(cloud: CloudContext): OnboardStep[] {
  return [tenantStep(cloud), hostnameStep(cloud)];
}
