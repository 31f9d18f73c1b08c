/**
 * The onboarding steps only a shared tenant has: find the tenant (it exists; qoem never creates it),
 * hold the guide's limit of customers, turn collaboration features off, check that the identity
 * provider gives anonymous users with dummy addresses, and make the customer's group. The spaces
 * and templates steps are the cloud adapter's own, run on the shared tenant.
 */
import { createGroup } from "@qlik/api/groups";
import { getUsers } from "@qlik/api/users";
import { getMyTenant } from "@qlik/api/tenants";
import { z } from "zod";
import { QoemError, permanent, userError, type OnboardStep, type StepContext } from "../../port.ts";
import { listAll, validItems } from "../qlik-call.ts";
import { tenantHostOf } from "../settings-step.ts";
import { identityProviderStep, listIdps } from "../idp-step.ts";
import type { ClientCredentials } from "../token-cache.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { customerNames, type SharedContext, type SharedTenantAccess } from "./shared-context.ts";
import { allSpaces, customersIn, findGroup } from "./customer-objects.ts";
import { consoleSetting, turnCollaborationOff } from "./collaboration-settings.ts";
import { SHARED_TENANT_LIMIT, guideReasons, ownTenantAlternative } from "./guide-limits.ts";

const userSchema = z.object({
  id: z.string(),
  subject: z.string().optional(),
  email: z.string().optional(),
  roles: z.array(z.string()).optional(),
  assignedRoles: z.array(z.object({ name: z.string() }).passthrough()).optional(),
  assignedGroups: z.array(z.object({ id: z.string() }).passthrough()).optional(),
});
export type TenantUser = z.infer<typeof userSchema>;

/** The OEM's own administrators of the tenant are people with real addresses, and no customer's users. */
export const isTenantAdmin = (u: TenantUser) => Boolean(u.roles?.includes("TenantAdmin") || u.assignedRoles?.some((r) => r.name === "TenantAdmin"));

/** A real-looking e-mail address: anything but none or one in the dummy domain. */
export const realLooking = (email: string | undefined, dummyDomain: string) => Boolean(email) && !email!.toLowerCase().endsWith(`@${dummyDomain.toLowerCase()}`);

/** Users of the tenant, all or (with `groupId`) the members of one group; bots (OAuth clients) are not people. */
export async function tenantUsers(cloud: CloudContext, host: string, creds: ClientCredentials, groupId?: string): Promise<TenantUser[]> {
  const users = await listAll(cloud.caller, host, creds, "listing users", "getUsers", (hostConfig, next) =>
    getUsers({ limit: 100, ...(groupId ? { filter: `assignedGroups.id eq "${groupId}"` } : {}), ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  return validItems(users, userSchema).filter((u) => !u.subject?.startsWith("qlikbot\\"));
}

const access = (shared: SharedContext, ctx: StepContext): { tenant: SharedTenantAccess & { name: string }; host: string; creds: ClientCredentials } => {
  const tenant = shared.tenantOf(ctx.request.target);
  return { tenant, host: tenant.hostname, creds: tenant };
};

function locateStep(shared: SharedContext): OnboardStep {
  const find = async (ctx: StepContext) => {
    const { tenant, host, creds } = access(shared, ctx);
    const res = await shared.caller.call(host, creds, `reaching shared tenant ${tenant.name}`, (hostConfig) => getMyTenant({ hostConfig, noCache: true }), "getMyTenant");
    const id = z.object({ id: z.string().min(1) }).parse(res.data).id;
    return { tenant, facts: { tenantId: id, tenantHost: host } };
  };
  return {
    id: "shared-tenant",
    title: "Find shared tenant",
    async run(ctx) {
      const { tenant, facts } = await find(ctx);
      return { outcome: ctx.facts.tenantId === facts.tenantId ? "unchanged" : "adopted", detail: `${tenant.name}: tenant ${facts.tenantId} (${tenant.hostname})`, facts };
    },
    async plan(ctx) {
      const { tenant, facts } = await find(ctx);
      return { id: "shared-tenant", title: "Find shared tenant", action: "adopt", detail: `${tenant.name}: tenant ${facts.tenantId} (${tenant.hostname})`, facts };
    },
  };
}

/** The guide's limit, on the tenant's own content (the registry's claim enforces it too, atomically). */
function placesStep(shared: SharedContext): OnboardStep {
  const count = async (ctx: StepContext) => {
    const { tenant, host, creds } = access(shared, ctx);
    const customers = customersIn(await allSpaces(shared, host, creds));
    const others = customers.filter((c) => c !== ctx.request.customer);
    return { tenant, others, here: customers.includes(ctx.request.customer) };
  };
  const describe = (n: number, tenant: string) => `${n} of ${SHARED_TENANT_LIMIT} places in ${tenant} used by other customers`;
  return {
    id: "places",
    title: "Check places",
    async run(ctx) {
      const { tenant, others, here } = await count(ctx);
      if (!here && others.length >= SHARED_TENANT_LIMIT) {
        throw userError(`shared tenant ${tenant.name} already serves ${others.length} customers: ${guideReasons.capacity}; ${ownTenantAlternative(ctx.request.customer)}`);
      }
      return { outcome: "unchanged", detail: describe(others.length, tenant.name) };
    },
    async plan(ctx) {
      const { tenant, others } = await count(ctx);
      return { id: "places", title: "Check places", action: "none", detail: describe(others.length, tenant.name) };
    },
  };
}

function collaborationStep(shared: SharedContext): OnboardStep {
  return {
    id: "collaboration",
    title: "Turn collaboration off",
    async run(ctx) {
      const { tenant, host, creds } = access(shared, ctx);
      const { turnedOff, stillOn, notesReason } = await turnCollaborationOff(shared, host, creds);
      if (stillOn.length) {
        const why = stillOn.includes("notes") && notesReason && notesReason !== "toggle" ? ` (notes are decided by the ${notesReason}, not by the API)` : "";
        throw new QoemError("config_error", `the API could not turn off ${stillOn.join(", ")} in shared tenant ${tenant.name}${why}: a tenant admin must turn ${stillOn.length > 1 ? "them" : "it"} off in the Management Console (${stillOn.map((f) => consoleSetting[f]).join("; ")}), then send the onboard again`);
      }
      return { outcome: turnedOff.length ? "updated" : "unchanged", detail: turnedOff.length ? `turned off ${turnedOff.join(", ")}` : "notes, sharing, subscriptions and data alerts are off" };
    },
    async plan(ctx) {
      return { id: "collaboration", title: "Turn collaboration off", action: "update", detail: `notes, sharing, subscriptions and data alerts off in ${access(shared, ctx).tenant.name}` };
    },
  };
}

/**
 * Anonymous users only: the embedding's JWT identity provider (never an interactive one, through which
 * people sign in as themselves) and no person with a real-looking e-mail address. Addresses never
 * reach chat; user ids do.
 */
function identityStep(shared: SharedContext): OnboardStep {
  const jwtStep = identityProviderStep(shared);
  return {
    id: "identity",
    title: "Check anonymous users",
    async run(ctx) {
      const { tenant, host, creds } = access(shared, ctx);
      if (!shared.onboarding.identity.jwt || shared.onboarding.identity.oidc) {
        throw new QoemError("config_error", `shared tenant ${tenant.name} needs the JWT identity provider of the embedding (cloud.identity.jwt, no oidc): its users must be anonymous`);
      }
      // The identity provider serves every customer of the tenant: it is described as the tenant's, not as this customer's.
      const idp = await jwtStep.run({ ...ctx, request: { ...ctx.request, customer: `shared tenant ${tenant.name}` } });
      const interactive = (await listIdps(shared, ctx)).filter((i) => i.protocol !== "jwtAuth" && i.active !== false);
      if (interactive.length) {
        throw new QoemError("config_error", `shared tenant ${tenant.name} has an interactive identity provider (${interactive.map((i) => `${i.protocol} ${i.id}`).join(", ")}) through which people sign in as themselves: a tenant admin must deactivate it in the Management Console (Identity provider), then send the onboard again`);
      }
      const real = (await tenantUsers(shared, host, creds)).filter((u) => !isTenantAdmin(u) && realLooking(u.email, tenant.dummyEmailDomain));
      if (real.length) {
        throw new QoemError("config_error", `${real.length} user${real.length > 1 ? "s" : ""} of shared tenant ${tenant.name} (${real.slice(0, 5).map((u) => u.id).join(", ")}) ha${real.length > 1 ? "ve" : "s"} an e-mail address outside the dummy domain ${tenant.dummyEmailDomain}: the identity provider must issue anonymous users; a tenant admin must remove them and fix the JWT's email claim, then send the onboard again`);
      }
      return { outcome: idp.outcome === "created" ? "created" : "unchanged", detail: `${idp.detail}; no interactive identity provider, no real-looking addresses (dummy domain ${tenant.dummyEmailDomain})`, ...(idp.facts ? { facts: idp.facts } : {}) };
    },
    async plan(ctx) {
      return { id: "identity", title: "Check anonymous users", action: "none", detail: `JWT identity provider only, users at ${access(shared, ctx).tenant.dummyEmailDomain}` };
    },
  };
}

function groupStep(shared: SharedContext): OnboardStep {
  return {
    id: "group",
    title: "Create customer group",
    async run(ctx) {
      const host = tenantHostOf(ctx);
      const creds = shared.regionOf(ctx);
      const name = customerNames(shared, ctx.request.customer).group;
      const found = await findGroup(shared, host, creds, name);
      if (found) return { outcome: "adopted", detail: name, facts: { usersGroupId: found.id } };
      const res = await shared.caller.call(host, creds, `creating group ${name}`, (hostConfig) => createGroup({ name, status: "active" }, { hostConfig }), "createGroup");
      const id = z.object({ id: z.string() }).safeParse(res.data);
      if (!id.success) throw permanent(`creating group ${name}: Qlik's answer has no group id`);
      return { outcome: "created", detail: name, facts: { usersGroupId: id.data.id } };
    },
    async plan(ctx) {
      const name = customerNames(shared, ctx.request.customer).group;
      const found = ctx.facts.tenantId ? await findGroup(shared, tenantHostOf(ctx), shared.regionOf(ctx), name) : undefined;
      return { id: "group", title: "Create customer group", action: found ? "adopt" : "create", detail: name, ...(found ? { facts: { usersGroupId: found.id } } : {}) };
    },
  };
}

export function sharedTenantSteps(shared: SharedContext): OnboardStep[] {
  return [locateStep(shared), placesStep(shared), collaborationStep(shared), identityStep(shared), groupStep(shared)];
}
