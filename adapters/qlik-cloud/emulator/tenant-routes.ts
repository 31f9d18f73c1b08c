/**
 * Tenant endpoints as Qlik documents them: create, deactivate and reactivate on the register host of
 * the tenant's region; read and patch on the tenant's own host, which answers for itself only. The
 * register host is no tenant: asked to read or patch one, it answers as a host answers for a tenant
 * that is not itself (404, the one refusal the specification documents for a read).
 */
import { z } from "zod";
import { HttpError, qlikError } from "./http-kit.ts";
import type { EmuTenant } from "./cloud-state.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";

const createBody = z.object({ licenseKey: z.string().optional(), datacenter: z.string().optional() }).passthrough();

const booleanPaths = new Set([
  "/autoAssignCreateSharedSpacesRoleToProfessionals",
  "/autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals",
  "/autoAssignDataServicesContributorRoleToProfessionals",
  "/enableAnalyticCreation",
  "/enableAppOpeningFeedback",
]);
const patchOp = z.object({ op: z.string(), path: z.string(), value: z.union([z.string(), z.boolean()]) });

const notFound = (id: string) => qlikError(404, "TENANTS-8", "Not found", `Tenant '${id}' was not found.`);

function patchError(metas: Array<{ code: string; title: string }>): HttpError {
  return new HttpError(400, { errors: [{ code: "TENANTS-9", title: "Invalid patch request", meta: metas.length === 1 ? metas[0] : metas }] });
}

/** The tenant an action on the register host names: one of the register host's region. */
function tenantOfRegion(req: EmuRequest, id: string): EmuTenant {
  const tenant = req.state.tenantById(id);
  if (!tenant || tenant.region !== req.region) throw notFound(id);
  return tenant;
}

/** The tenant a read or patch names: on a tenant host, that host's own tenant and no other. */
function thisTenant(req: EmuRequest, id: string): EmuTenant {
  if (req.hostKind !== "tenant" || req.tenant?.id !== id) throw notFound(id);
  return req.tenant;
}

function requireConfirmation(req: EmuRequest, tenant: EmuTenant): void {
  const header = req.headers["qlik-confirm-hostname"];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw qlikError(400, "TENANTS-11", "Missing hostname confirmation", "Header 'qlik-confirm-hostname' is required.");
  if (!tenant.hostnames.includes(value)) {
    throw qlikError(412, "TENANTS-12", "Precondition Failed", "'qlik-confirm-hostname' does not match the tenant's hostname.");
  }
}

const touch = (t: EmuTenant, statusChanged = false) => {
  t.lastUpdated = new Date().toISOString();
  if (statusChanged) t.statusLastUpdatedAt = t.lastUpdated;
};

export const tenantRoutes: Route[] = [
  specRoute("createTenant", ["register"], (req) => {
    const parsed = createBody.safeParse(req.body ?? {});
    if (!parsed.success) throw qlikError(400, "TENANTS-1", "Invalid request body");
    const { licenseKey, datacenter } = parsed.data;
    if (!licenseKey) throw qlikError(400, "TENANTS-2", "Missing license key", "A signed licenseKey is required.");
    if (licenseKey !== req.state.licenseKey) throw qlikError(400, "TENANTS-3", "Invalid license key", "The licenseKey is not a valid signed key.");
    // The register host serves its own region; a datacenter must be one Qlik knows, and is echoed.
    const region = req.region!;
    const dc = datacenter ?? req.state.datacenterOf(region);
    if (!req.state.creatableDatacenter(dc)) {
      throw qlikError(400, "TENANTS-4", "Invalid datacenter", `Datacenter '${dc}' is not supported for tenant creation.`);
    }
    if (req.state.activeInRegion(region) >= req.state.tenantCapPerRegion) {
      throw qlikError(403, "TENANTS-10", "Tenant limit reached", `The licence allows ${req.state.tenantCapPerRegion} tenants in this region.`);
    }
    const tenant = req.state.addTenant({ datacenter: dc, region, createdBy: req.grant?.clientId ?? "unknown" });
    return { status: 201, body: req.state.toJSON(tenant, req.base) };
  }),
  // Qlik documents only a redirect here (302 to the tenant's own resource), which fetch follows.
  specRoute("getMyTenant", ["tenant"], (req) => ({ status: 302, headers: { location: `${req.base}/api/v1/tenants/${req.tenant!.id}` } })),
  specRoute("getTenant", ["register", "tenant"], (req) => ({ status: 200, body: req.state.toJSON(thisTenant(req, req.params[0]!), req.base) })),
  specRoute("patchTenant", ["register", "tenant"], (req) => {
    const tenant = thisTenant(req, req.params[0]!);
    if (!Array.isArray(req.body) || req.body.length === 0) {
      throw patchError([{ code: "TENANTS-9.1", title: "The body must be a non-empty JSON Patch array." }]);
    }
    const problems: Array<{ code: string; title: string }> = [];
    const ops = req.body.map((raw, i) => {
      const op = patchOp.safeParse(raw);
      if (!op.success) {
        problems.push({ code: "TENANTS-9.2", title: `Operation ${i} must have op, path and a string or boolean value.` });
        return undefined;
      }
      const { path, value } = op.data;
      if (op.data.op !== "replace") problems.push({ code: "TENANTS-9.3", title: `Operation ${i}: only 'replace' is supported.` });
      else if (path === "/name") {
        if (typeof value !== "string" || value.length === 0 || value.length > 256) problems.push({ code: "TENANTS-9.4", title: "/name must be a string of 1 to 256 characters." });
      } else if (path === "/hostnames/1") {
        const ok = typeof value === "string" && new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.${tenant.region}\\.qlikcloud\\.com$`).test(value);
        if (!ok) problems.push({ code: "TENANTS-9.5", title: `/hostnames/1 must be '<label>.${tenant.region}.qlikcloud.com'.` });
        else {
          const owner = req.state.hostnameOwner(value as string);
          if (owner && owner !== tenant.id) problems.push({ code: "TENANTS-9.6", title: `Hostname '${value}' is already in use.` });
        }
      } else if (booleanPaths.has(path)) {
        if (typeof value !== "boolean") problems.push({ code: "TENANTS-9.7", title: `${path} must be a boolean.` });
      } else problems.push({ code: "TENANTS-9.8", title: `Path '${path}' cannot be patched.` });
      return op.data;
    });
    if (problems.length) throw patchError(problems);
    for (const op of ops) {
      if (!op) continue;
      if (op.path === "/name") tenant.name = op.value as string;
      else if (op.path === "/hostnames/1") req.state.setAlias(tenant, op.value as string);
      else (tenant as unknown as Record<string, unknown>)[op.path.slice(1)] = op.value;
    }
    touch(tenant);
    return { status: 204 };
  }),
  specRoute("deactivateTenant", ["register"], (req) => {
    const tenant = tenantOfRegion(req, req.params[0]!);
    requireConfirmation(req, tenant);
    const body = z.object({ purgeAfterDays: z.number().int().min(10).max(90).optional() }).safeParse(req.body ?? {});
    if (!body.success) throw qlikError(400, "TENANTS-13", "Invalid purgeAfterDays", "purgeAfterDays must be an integer from 10 to 90.");
    if (tenant.status !== "active") throw qlikError(400, "TENANTS-14", "Invalid request", `Tenant status is '${tenant.status}'.`);
    const days = body.data.purgeAfterDays ?? 30;
    tenant.status = "disabled";
    tenant.estimatedPurgeDate = new Date(Date.now() + days * 86_400_000).toISOString();
    touch(tenant, true);
    return { status: 200, body: { id: tenant.id, status: "disabled", estimatedPurgeDate: tenant.estimatedPurgeDate } };
  }),
  specRoute("reactivateTenant", ["register"], (req) => {
    const tenant = tenantOfRegion(req, req.params[0]!);
    requireConfirmation(req, tenant);
    if (tenant.status === "deleted") throw qlikError(404, "TENANTS-15", "Not Found", "A purged tenant cannot be reactivated.");
    if (tenant.status !== "disabled") throw qlikError(400, "TENANTS-16", "Invalid request", `Tenant status is '${tenant.status}'.`);
    tenant.status = "active";
    delete tenant.estimatedPurgeDate;
    touch(tenant, true);
    return { status: 200, body: req.state.toJSON(tenant, req.base) };
  }),
];

