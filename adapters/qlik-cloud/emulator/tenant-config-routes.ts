// Tenant-host endpoints for configuration: licence settings, groups, identity providers, brands, webhooks, reloads.
import { z } from "zod";
import { qlikError, randomId } from "./http-kit.ts";
import { paginate } from "./paginate.ts";
import { parseScimFilter, scimAttributes, scimMatches, ScimSyntaxError } from "./scim-filter.ts";
import type { EmuBrand, EmuGroup, EmuIdp, EmuWebhook, TenantData } from "./tenant-data.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";
import type { QlikOperationId } from "../qlik-operations.ts";

const data = (req: EmuRequest): TenantData => req.state.dataOf(req.tenant!.id);
const invalid = (detail: string, status = 400) => ({ errors: [{ code: "HTTP-400", title: "Bad request", detail, status }] });
const tenantRoute = (operation: QlikOperationId, handle: Route["handle"]): Route => specRoute(operation, ["tenant"], handle);

const licenseSettings = z.object({ autoAssignProfessional: z.boolean().optional(), autoAssignAnalyzer: z.boolean().optional() }).strict();
const jwtIdp = z.object({
  protocol: z.literal("jwtAuth"),
  provider: z.literal("external"),
  description: z.string().max(256).optional(),
  tenantIds: z.array(z.string()).optional(),
  interactive: z.boolean().optional(),
  active: z.boolean().optional(),
  clockToleranceSec: z.number().optional(),
  options: z.object({ issuer: z.string().min(1), staticKeys: z.array(z.object({ kid: z.string().min(1), pem: z.string().includes("BEGIN PUBLIC KEY") })).length(1), jwtLoginEnabled: z.boolean().optional() }).passthrough(),
});
const oidcIdp = z.object({
  protocol: z.literal("OIDC"),
  provider: z.enum(["auth0", "okta", "generic", "salesforce", "keycloak", "adfs", "azureAD"]),
  interactive: z.boolean(),
  description: z.string().max(256).optional(),
  tenantIds: z.array(z.string()).optional(),
  active: z.boolean().optional(),
  options: z.object({ discoveryUrl: z.string().url(), claimsMapping: z.record(z.string(), z.array(z.string())) }).passthrough().optional(),
  pendingOptions: z.object({ discoveryUrl: z.string().url(), clientId: z.string().min(1), clientSecret: z.string().min(1), claimsMapping: z.record(z.string(), z.array(z.string())) }).passthrough().optional(),
}).passthrough();
const webhookPost = z.object({
  name: z.string().min(1).max(256),
  url: z.string().url(),
  eventTypes: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
  description: z.string().optional(),
  secret: z.string().optional(),
  filter: z.string().optional(),
  level: z.enum(["tenant", "user"]).optional(),
}).passthrough();

function idpJson(idp: EmuIdp) {
  // Static keys are echoed without the PEM, as Qlik does not return key material.
  const options = { ...idp.options, staticKeys: (idp.options.staticKeys as Array<{ kid: string }> | undefined)?.map((k) => ({ kid: k.kid })) };
  return { ...idp, options, meta: {} };
}

/** The brand files createBrand takes, by its specification: the part's content type and the largest size. */
const brandFileRules: Record<string, { types: string[]; maxBytes: number }> = {
  logo: { types: ["image/png", "image/jpeg"], maxBytes: 300 * 1024 },
  favIcon: { types: ["image/x-icon", "image/vnd.microsoft.icon"], maxBytes: 100 * 1024 },
  styles: { types: ["application/json"], maxBytes: 100 * 1024 },
};

/**
 * Event types the emulated tenant publishes (a real tenant lists its own at `GET /webhooks/event-types`;
 * this list is the emulator's, from Qlik's event documentation, and stays unverified).
 */
export const webhookEventTypes = [
  "com.qlik.v1.app.created", "com.qlik.v1.app.deleted", "com.qlik.v1.app.exported", "com.qlik.v1.app.published",
  "com.qlik.v1.app.reload.finished", "com.qlik.v1.app.data.updated", "com.qlik.v1.user.created", "com.qlik.v1.user.deleted",
];
const RELOAD_FINISHED_EVENT = "com.qlik.v1.app.reload.finished";

/** A webhook's filter as WebhookBase.filter describes it: id, spaceId, topLevelResourceId with eq or ne; `data.status` ("ok" or "error") only for the reload-finished event alone. */
function webhookFilterProblem(filter: string, eventTypes: string[]): string | undefined {
  let comparisons;
  try {
    comparisons = scimAttributes(parseScimFilter(filter));
  } catch (e) {
    return e instanceof ScimSyntaxError ? e.message : "bad filter";
  }
  for (const c of comparisons) {
    if (c.attr === "data.status") {
      if (eventTypes.length !== 1 || eventTypes[0] !== RELOAD_FINISHED_EVENT) return `data.status filters only the ${RELOAD_FINISHED_EVENT} event, alone`;
      if (c.value !== "ok" && c.value !== "error") return `data.status is "ok" or "error", not "${c.value}"`;
    } else if (!["id", "spaceId", "topLevelResourceId"].includes(c.attr)) return `a webhook filter cannot use '${c.attr}'`;
  }
  return undefined;
}

/** The reloads filter as GET /reloads documents it: status, partial and type, with eq only. */
const reloadFilterValues: Record<string, string[]> = {
  status: ["QUEUED", "RELOADING", "CANCELING", "SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT"],
  partial: ["true", "false"],
  type: ["hub", "external", "chronos", "automations", "data-refresh", "choreographer"],
};

const groupJson = (req: EmuRequest, g: EmuGroup) => ({ ...g, tenantId: req.tenant!.id, links: { self: { href: `${req.base}/api/v1/groups/${g.id}` } } });
const brandJson = (b: EmuBrand) => b;
const webhookJson = (w: EmuWebhook) => w;

export const tenantConfigRoutes: Route[] = [
  tenantRoute("getLicenseSettings", (req) => ({ status: 200, body: data(req).licenseSettings })),
  tenantRoute("updateLicenseSettings", (req) => {
    const body = licenseSettings.safeParse(req.body);
    if (!body.success) return { status: 400, body: invalid("autoAssignProfessional and autoAssignAnalyzer must be booleans.", 400) };
    Object.assign(data(req).licenseSettings, body.data);
    return { status: 200, body: data(req).licenseSettings };
  }),
  tenantRoute("getLicenseOverview", (req) => {
    const u = data(req).licenseUnits;
    return {
      status: 200,
      body: {
        licenseKey: req.state.licenseKey,
        licenseNumber: "9999000000000001",
        secondaryNumber: "0",
        product: "Qlik Cloud OEM",
        origin: "External",
        status: "Ok",
        trial: false,
        valid: "2025-01-01/2030-12-31",
        updated: "2025-01-01T00:00:00.000Z",
        allotments: [
          { name: "professional", units: u.professional.units, unitsUsed: u.professional.unitsUsed, usageClass: "assigned" },
          { name: "analyzer", units: u.analyzer.units, unitsUsed: u.analyzer.unitsUsed, usageClass: "assigned" },
        ],
        // A parameter set is valid over an interval (`./.`: open at both ends), as Qlik's licenseOverview says.
        parameters: data(req).licenseParameters,
      },
    };
  }),
  tenantRoute("patchGroupsSettings", (req) => {
    const ops = z.array(z.object({ op: z.literal("replace"), path: z.enum(["/autoCreateGroups", "/syncIdpGroups"]), value: z.boolean() })).min(1).safeParse(req.body);
    if (!ops.success) return { status: 400, body: invalid("expected [{op:'replace', path:'/autoCreateGroups'|'/syncIdpGroups', value:boolean}]") };
    for (const op of ops.data) data(req).groupSettings[op.path.slice(1) as "autoCreateGroups"] = op.value;
    return { status: 204 };
  }),
  tenantRoute("getGroups", (req) => {
    let groups = [...data(req).groups.values()];
    const filter = req.query.get("filter");
    if (filter) {
      try {
        const node = parseScimFilter(filter);
        groups = groups.filter((g) => scimMatches(node, (a) => (a === "name" ? g.name : a === "id" ? g.id : undefined)));
      } catch (e) {
        throw qlikError(400, "GROUPS-1", "Invalid filter", e instanceof ScimSyntaxError ? e.message : "bad filter");
      }
    }
    return { status: 200, body: paginate(req, groups.map((g) => groupJson(req, g)), "/api/v1/groups") };
  }),
  tenantRoute("createGroup", (req) => {
    const body = z.object({ name: z.string().min(1).max(256), status: z.string().optional() }).safeParse(req.body);
    if (!body.success) return { status: 400, body: invalid("name is required") };
    if ([...data(req).groups.values()].some((g) => g.name === body.data.name)) throw qlikError(409, "GROUPS-2", "Conflict", "A group with that name exists.");
    const now = new Date().toISOString();
    const group = { id: randomId(24, "0123456789abcdef"), name: body.data.name, status: "active", createdAt: now, lastUpdatedAt: now };
    data(req).groups.set(group.id, group);
    return { status: 201, body: groupJson(req, group) };
  }),
  tenantRoute("getIdps", (req) => ({ status: 200, body: paginate(req, [...data(req).idps.values()].map(idpJson), "/api/v1/identity-providers") })),
  tenantRoute("createIdp", (req) => {
    const body = req.body as { protocol?: string };
    const parsed = body?.protocol === "OIDC" ? oidcIdp.safeParse(req.body) : jwtIdp.safeParse(req.body);
    if (!parsed.success) {
      return { status: 400, body: { errors: [{ code: "IDP-1", title: "Invalid identity provider", detail: `${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`, status: 400 }] } };
    }
    const p = parsed.data as Record<string, unknown> & { protocol: string; provider: string };
    const now = new Date().toISOString();
    // Settings given as pendingOptions wait for an administrator to test them and promote them to options; until then the IdP cannot be active.
    const pending = Boolean(p.pendingOptions);
    const idp: EmuIdp = {
      id: randomId(24, "0123456789abcdef"),
      protocol: p.protocol,
      provider: p.provider,
      active: pending ? false : ((p.active as boolean | undefined) ?? true),
      interactive: (p.interactive as boolean | undefined) ?? false,
      description: (p.description as string | undefined) ?? "",
      tenantIds: (p.tenantIds as string[] | undefined) ?? [req.tenant!.id],
      options: (p.options as Record<string, unknown> | undefined) ?? {},
      // Qlik keeps OIDC settings pending until the first login; it never echoes the client secret.
      ...(pending ? { pendingOptions: Object.fromEntries(Object.entries(p.pendingOptions as Record<string, unknown>).filter(([k]) => k !== "clientSecret")), pendingState: "pending" as const, pendingResult: { status: "pending" } } : {}),
      created: now,
      lastUpdated: now,
    };
    data(req).idps.set(idp.id, idp);
    return { status: 201, body: idpJson(idp) };
  }),
  tenantRoute("deleteIdp", (req) => {
    if (!data(req).idps.delete(req.params[0]!)) throw qlikError(404, "IDP-404", "Not found");
    return { status: 204 };
  }),
  tenantRoute("getBrands", (req) => ({ status: 200, body: paginate(req, [...data(req).brands.values()].map(brandJson), "/api/v1/brands", { cursorParams: ["startingAfter", "endingBefore"] }) })),
  tenantRoute("getActiveBrand", (req) => {
    const active = [...data(req).brands.values()].find((b) => b.active);
    return active ? { status: 200, body: brandJson(active) } : { status: 200, body: {} };
  }),
  tenantRoute("createBrand", async (req) => {
    const type = String(req.headers["content-type"] ?? "");
    if (!type.startsWith("multipart/form-data")) throw qlikError(400, "BRANDS-1", "Invalid request", "createBrand takes multipart/form-data.");
    const form = await new Request("http://emulator/", { method: "POST", headers: { "content-type": type }, body: req.raw }).formData();
    const name = form.get("name");
    if (typeof name !== "string" || name.length === 0) throw qlikError(400, "BRANDS-2", "Invalid request", "name is required.");
    if ([...data(req).brands.values()].some((b) => b.name === name)) throw qlikError(400, "BRANDS-3", "Invalid request", `A brand named '${name}' exists.`);
    const now = new Date().toISOString();
    const files: EmuBrand["files"] = [];
    for (const [id, rule] of Object.entries(brandFileRules)) {
      const f = form.get(id);
      if (f === null) continue;
      if (typeof f === "string") throw qlikError(400, "BRANDS-4", "Invalid request", `${id} must be a file part.`);
      const type = f.type.split(";")[0]!.trim().toLowerCase();
      if (!rule.types.includes(type)) throw qlikError(400, "BRANDS-4", "Invalid request", `${id} must be ${rule.types.join(" or ")}, not '${f.type || "untyped"}'.`);
      if (f.size > rule.maxBytes) throw qlikError(400, "BRANDS-5", "Invalid request", `${id} is larger than ${rule.maxBytes / 1024} KB.`);
      files.push({ id, path: `/api/v1/brands/${id}`, contentType: type, eTag: randomId(16) });
    }
    const brand: EmuBrand = { id: randomId(24, "0123456789abcdef"), name, description: String(form.get("description") ?? ""), active: false, files, createdAt: now, updatedAt: now };
    data(req).brands.set(brand.id, brand);
    return { status: 201, body: brandJson(brand) };
  }),
  tenantRoute("activateBrand", (req) => {
    const brand = data(req).brands.get(req.params[0]!);
    if (!brand) throw qlikError(404, "BRANDS-404", "Not found");
    for (const b of data(req).brands.values()) b.active = b.id === brand.id;
    return { status: 200, body: brandJson(brand) };
  }),
  tenantRoute("getWebhooks", (req) => {
    const name = req.query.get("name");
    const hooks = [...data(req).webhooks.values()].filter((w) => !name || w.name === name);
    return { status: 200, body: paginate(req, hooks.map(webhookJson), "/api/v1/webhooks") };
  }),
  tenantRoute("createWebhook", (req) => {
    const body = webhookPost.safeParse(req.body);
    if (!body.success) throw qlikError(400, "WEBHOOKS-1", "Invalid webhook", `${body.error.issues[0]?.path.join(".")}: ${body.error.issues[0]?.message}`);
    const w = body.data;
    if (!w.url.startsWith("https://")) throw qlikError(400, "WEBHOOKS-2", "Invalid webhook", "Webhooks call an https URL.");
    const unknown = (w.eventTypes ?? []).filter((t) => !webhookEventTypes.includes(t));
    if (unknown.length) throw qlikError(400, "WEBHOOKS-3", "Invalid webhook", `Unknown event type(s): ${unknown.join(", ")}.`);
    const filterProblem = w.filter ? webhookFilterProblem(w.filter, w.eventTypes ?? []) : undefined;
    if (filterProblem) throw qlikError(400, "WEBHOOKS-4", "Invalid webhook filter", filterProblem);
    const hook: EmuWebhook = { id: crypto.randomUUID(), name: w.name, url: w.url, eventTypes: w.eventTypes ?? [], enabled: w.enabled ?? true, description: w.description ?? "", level: w.level ?? "tenant", secretKeyAdded: Boolean(w.secret), createdAt: new Date().toISOString(), ...(w.filter ? { filter: w.filter } : {}) };
    data(req).webhooks.set(hook.id, hook);
    return { status: 201, body: webhookJson(hook) };
  }),
  tenantRoute("getReloads", (req) => {
    let reloads = [...data(req).reloads];
    const appId = req.query.get("appId");
    if (appId) reloads = reloads.filter((r) => r.appId === appId);
    const filter = req.query.get("filter");
    if (filter) {
      try {
        const node = parseScimFilter(filter);
        for (const c of scimAttributes(node)) {
          const allowed = reloadFilterValues[c.attr];
          if (!allowed) throw new ScimSyntaxError(`reloads cannot be filtered by '${c.attr}' (status, partial, type)`);
          if (c.op !== "eq") throw new ScimSyntaxError(`reloads filters take eq only, not ${c.op}`);
          if (!allowed.includes(c.value)) throw new ScimSyntaxError(`${c.attr} is one of ${allowed.join(", ")}, not "${c.value}"`);
        }
        reloads = reloads.filter((r) => scimMatches(node, (a) => (a === "status" || a === "type" ? (r as unknown as Record<string, string>)[a] : a === "partial" ? String(r.partial) : undefined)));
      } catch (e) {
        throw qlikError(400, "RELOADS-1", "Invalid filter", e instanceof ScimSyntaxError ? e.message : "bad filter");
      }
    }
    const sort = req.query.get("sort") ?? "-creationTime";
    if (!/^[-+]?(creationTime|status|startTime|endTime)$/.test(sort)) throw qlikError(400, "RELOADS-2", "Invalid sort");
    const key = sort.replace(/^[-+]/, "") as "creationTime";
    reloads.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (sort.startsWith("-") ? -1 : 1));
    return { status: 200, body: paginate(req, reloads, "/api/v1/reloads") };
  }),
];
