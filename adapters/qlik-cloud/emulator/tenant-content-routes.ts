// Tenant-host endpoints for content: spaces and their assignments, items, apps (export, import, publish), temp contents.
import { z } from "zod";
import { HttpError, qlikError, randomId } from "./http-kit.ts";
import { paginate } from "./paginate.ts";
import { nxApp, type EmuApp, type EmuAssignment, type EmuSpace, type TenantData } from "./tenant-data.ts";
import { assignableRoles, callerOf, isTenantAdmin, requireMemberManager, requireRole, rolesIn, seesApp, seesSpace } from "./space-access.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";
import type { QlikOperationId } from "../qlik-operations.ts";

const data = (req: EmuRequest): TenantData => req.state.dataOf(req.tenant!.id);
const tenantRoute = (operation: QlikOperationId, handle: Route["handle"]): Route => specRoute(operation, ["tenant"], handle);

/** Spaces errors repeat the deprecated top-level code/title next to errors[]. */
function spacesError(status: number, code: string, title: string, detail: string) {
  return { status, body: { code, title, detail, errors: [{ code, title, detail, status: String(status) }] } };
}

/** A space as the caller sees it: `meta.roles` are the caller's, `meta.actions` what those roles (or admin rights) allow. */
function spaceJson(req: EmuRequest, s: EmuSpace) {
  const roles = rolesIn(req, s);
  const admin = isTenantAdmin(callerOf(req));
  const owner = s.ownerId === callerOf(req).id;
  const actions = new Set<string>(["read"]);
  if (owner || admin) for (const a of ["update", "delete", "change_owner"]) actions.add(a);
  if (owner || roles.some((r) => ["producer", "facilitator"].includes(r))) actions.add("create");
  if (owner || roles.includes("publisher")) actions.add("publish");
  return {
    ...s,
    links: { self: { href: `${req.base}/api/v1/spaces/${s.id}` }, assignments: { href: `${req.base}/api/v1/spaces/${s.id}/assignments` } },
    meta: { actions: [...actions], roles, assignableRoles: assignableRoles[s.type] },
  };
}

function spaceOr404(req: EmuRequest, id: string): EmuSpace {
  const space = data(req).spaces.get(id);
  if (!space || !seesSpace(req, space)) throw new HttpError(404, spacesError(404, "SPACES-404", "Not found", "No such space.").body);
  return space;
}

const assignmentJson = (req: EmuRequest, a: EmuAssignment) => ({ ...a, links: { self: { href: `${req.base}/api/v1/spaces/${a.spaceId}/assignments/${a.id}` }, space: { href: `${req.base}/api/v1/spaces/${a.spaceId}` } } });

const spaceCreate = z.object({
  name: z.string().min(1).max(256).regex(/^[^"*?<>/|\\:]+$/, "name cannot contain \" * ? < > / | \\ :"),
  type: z.enum(["shared", "managed", "data"]),
  description: z.string().max(1024).optional(),
});
const assignmentCreate = z.object({
  type: z.enum(["user", "group", "bot"]),
  assigneeId: z.string().min(1),
  roles: z.array(z.enum(["consumer", "contributor", "dataconsumer", "datapreview", "facilitator", "operator", "producer", "publisher", "basicconsumer", "codeveloper"])).min(1),
});

function itemOf(req: EmuRequest, app: EmuApp) {
  const spaceType = app.spaceId ? data(req).spaces.get(app.spaceId)?.type : undefined;
  return {
    id: `item-${app.id}`,
    name: app.name,
    tenantId: req.tenant!.id,
    resourceType: "app",
    resourceId: app.id,
    resourceSubType: "",
    spaceId: app.spaceId ?? "",
    ownerId: app.ownerId,
    createdAt: app.createdDate,
    updatedAt: app.modifiedDate,
    resourceCreatedAt: app.createdDate,
    resourceUpdatedAt: app.modifiedDate,
    isFavorited: false,
    actions: ["read", "update", "delete"],
    collectionIds: [],
    resourceAttributes: { published: app.published, publishTime: app.publishTime ?? "", originAppId: app.originAppId ?? "", spaceType: spaceType ?? "personal" },
    resourceCustomAttributes: {},
    resourceSize: { appFile: app.content.length, appMemory: app.content.length * 2 },
    meta: { isFavorited: false, actions: ["read", "update", "delete"], tags: (app.tags ?? []).map((t) => ({ id: t.id, name: t.name })), collections: [] },
    links: { self: { href: `${req.base}/api/v1/items/item-${app.id}` } },
  };
}

function appOr404(req: EmuRequest, id: string): EmuApp {
  const app = data(req).apps.get(id);
  if (!app) throw qlikError(404, "APPS-404", "Not found", `App '${id}' was not found.`);
  if (!seesApp(req, app, "open")) throw qlikError(403, "HTTP-403", "Forbidden", `The caller has no access to app '${id}'.`);
  return app;
}

/** Export, or publish from: the app's owner in a personal space; elsewhere a role that edits the space. */
function requireEditOf(req: EmuRequest, app: EmuApp, what: string): void {
  if (!app.spaceId) {
    if (app.ownerId !== callerOf(req).id) throw qlikError(403, "HTTP-403", "Forbidden", `${what}: only the owner of a personal app may.`);
    return;
  }
  requireRole(req, data(req).spaces.get(app.spaceId)!, "edit", what);
}

export const tenantContentRoutes: Route[] = [
  tenantRoute("getSpaces", (req) => {
    const name = req.query.get("name");
    const type = req.query.get("type");
    const types = type?.split(",");
    const spaces = [...data(req).spaces.values()].filter((s) => seesSpace(req, s) && (!name || s.name.toLowerCase().includes(name.toLowerCase())) && (!types || types.includes(s.type)));
    const page = paginate(req, spaces.map((s) => spaceJson(req, s)), "/api/v1/spaces");
    return { status: 200, body: { ...page, meta: { count: spaces.length } } };
  }),
  tenantRoute("createSpace", (req) => {
    const body = spaceCreate.safeParse(req.body);
    if (!body.success) return spacesError(400, "SPACES-1", "Invalid request", `${body.error.issues[0]?.path.join(".")}: ${body.error.issues[0]?.message}`);
    if ([...data(req).spaces.values()].some((s) => s.name === body.data.name)) return spacesError(409, "SPACES-2", "Conflict", `A space named '${body.data.name}' exists.`);
    const space = data(req).addSpace(body.data.name, body.data.type, callerOf(req).id);
    space.description = body.data.description ?? "";
    return { status: 201, body: spaceJson(req, space) };
  }),
  tenantRoute("getSpace", (req) => ({ status: 200, body: spaceJson(req, spaceOr404(req, req.params[0]!)) })),
  tenantRoute("deleteSpace", (req) => {
    const space = spaceOr404(req, req.params[0]!);
    requireMemberManager(req, space);
    // The specification's 412: a space that still holds content is not deleted.
    if ([...data(req).apps.values()].some((a) => a.spaceId === space.id)) return spacesError(412, "SPACES-6", "Precondition failed", `Space '${space.name}' still holds apps; remove them first.`);
    data(req).spaces.delete(space.id);
    data(req).assignments.delete(space.id);
    return { status: 204 };
  }),
  tenantRoute("getSpaceAssignments", (req) => {
    spaceOr404(req, req.params[0]!);
    const list = data(req).assignments.get(req.params[0]!) ?? [];
    return { status: 200, body: { ...paginate(req, list.map((a) => assignmentJson(req, a)), `/api/v1/spaces/${req.params[0]}/assignments`), meta: { count: list.length } } };
  }),
  tenantRoute("createSpaceAssignment", (req) => {
    const spaceId = req.params[0]!;
    const space = spaceOr404(req, spaceId);
    requireMemberManager(req, space);
    const body = assignmentCreate.safeParse(req.body);
    if (!body.success) return spacesError(400, "SPACES-3", "Invalid assignment", `${body.error.issues[0]?.path.join(".")}: ${body.error.issues[0]?.message}`);
    const refused = body.data.roles.filter((r) => !assignableRoles[space.type].includes(r));
    if (refused.length) return spacesError(400, "SPACES-5", "Invalid role", `A ${space.type} space does not take the role(s) ${refused.join(", ")} (assignable: ${assignableRoles[space.type].join(", ")}).`);
    const list = data(req).assignments.get(spaceId) ?? [];
    if (list.some((a) => a.assigneeId === body.data.assigneeId)) return spacesError(409, "SPACES-4", "Conflict", "The assignee already has an assignment.");
    const assignment = { id: randomId(24, "0123456789abcdef"), spaceId, tenantId: req.tenant!.id, ...body.data, createdAt: new Date().toISOString() };
    data(req).assignments.set(spaceId, [...list, assignment]);
    return { status: 201, body: assignmentJson(req, assignment) };
  }),
  tenantRoute("deleteSpaceAssignment", (req) => {
    const [spaceId, assignmentId] = [req.params[0]!, req.params[1]!];
    const space = spaceOr404(req, spaceId);
    requireMemberManager(req, space);
    const list = data(req).assignments.get(spaceId) ?? [];
    if (!list.some((a) => a.id === assignmentId)) return spacesError(404, "SPACES-404", "Not found", "No such assignment.");
    data(req).assignments.set(spaceId, list.filter((a) => a.id !== assignmentId));
    return { status: 204 };
  }),
  tenantRoute("getItems", (req) => {
    const resourceType = req.query.get("resourceType");
    if (resourceType && resourceType !== "app") return { status: 200, body: paginate(req, [], "/api/v1/items") };
    const spaceId = req.query.get("spaceId");
    const name = req.query.get("name");
    const apps = [...data(req).apps.values()].filter((a) => seesApp(req, a, "list") && (!spaceId || a.spaceId === spaceId) && (!name || a.name.toLowerCase() === name.toLowerCase()));
    return { status: 200, body: paginate(req, apps.map((a) => itemOf(req, a)), "/api/v1/items") };
  }),
  tenantRoute("getAppInfo", (req) => ({ status: 200, body: nxApp(appOr404(req, req.params[0]!)) })),
  tenantRoute("deleteApp", (req) => {
    appOr404(req, req.params[0]!);
    data(req).apps.delete(req.params[0]!);
    return { status: 200 };
  }),
  tenantRoute("exportApp", (req) => {
    const app = appOr404(req, req.params[0]!);
    requireEditOf(req, app, "Exporting an app");
    const id = randomId(24, "0123456789abcdef");
    data(req).tempContents.set(id, app.content);
    return { status: 201, headers: { location: `/api/v1/temp-contents/${id}?inline=1` } };
  }),
  tenantRoute("downloadTempFile", (req) => {
    const content = data(req).tempContents.get(req.params[0]!);
    if (!content) throw qlikError(410, "TEMP-410", "Gone", "The temporary content has expired.");
    return { status: 200, raw: content, headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${req.params[0]}.qvf"` } };
  }),
  tenantRoute("importApp", (req) => {
    if (!String(req.headers["content-type"] ?? "").includes("octet-stream")) throw qlikError(400, "APPS-1", "Invalid request", "importApp takes application/octet-stream.");
    if (req.raw.length === 0) throw qlikError(400, "APPS-2", "Invalid request", "The app file is empty.");
    if (req.raw.length > req.state.maxAppBytes) throw qlikError(413, "APPS-8", "Payload too large", `The app file is ${req.raw.length} bytes; this tenant takes apps up to ${req.state.maxAppBytes} bytes.`);
    const spaceId = req.query.get("spaceId") ?? undefined;
    const space = spaceId ? data(req).spaces.get(spaceId) : undefined;
    if (spaceId && (!space || !seesSpace(req, space))) throw qlikError(404, "APPS-404", "Not found", `Space '${spaceId}' was not found.`);
    if (space) requireRole(req, space, "edit", "Importing an app");
    const name = req.query.get("name") ?? req.query.get("fallbackName") ?? "Imported app";
    const app = data(req).addApp(name, spaceId, Buffer.from(req.raw), { ownerId: callerOf(req).id });
    return { status: 200, body: nxApp(app) };
  }),
  tenantRoute("publishApp", (req) => {
    const source = appOr404(req, req.params[0]!);
    const body = z.object({ spaceId: z.string().min(1), data: z.enum(["source", "target"]).optional(), attributes: z.object({ name: z.string().optional(), description: z.string().optional() }).optional() }).passthrough().safeParse(req.body);
    if (!body.success) throw qlikError(400, "APPS-3", "Invalid request", "spaceId is required.");
    const target = data(req).spaces.get(body.data.spaceId);
    if (!target || !seesSpace(req, target)) throw qlikError(404, "APPS-404", "Not found", `Space '${body.data.spaceId}' was not found.`);
    if (target.type !== "managed") throw qlikError(400, "APPS-4", "Invalid target", "Apps are published to managed spaces.");
    requireEditOf(req, source, "Publishing an app from its space");
    requireRole(req, target, "publishTo", "Publishing to a managed space");
    const now = new Date().toISOString();
    const published = data(req).addApp(body.data.attributes?.name ?? source.name, target.id, source.content, { published: true, publishTime: now, originAppId: source.id, ownerId: source.ownerId });
    source.publishTime = now;
    return { status: 200, body: nxApp(published) };
  }),
  tenantRoute("republishApp", (req) => {
    const source = appOr404(req, req.params[0]!);
    const body = z.object({ targetId: z.string().min(1), checkOriginAppId: z.boolean().optional() }).passthrough().safeParse(req.body);
    if (!body.success) throw qlikError(400, "APPS-3", "Invalid request", "targetId is required.");
    const target = appOr404(req, body.data.targetId);
    if (!target.published) throw qlikError(400, "APPS-5", "Invalid target", "The target app is not a published app.");
    if (body.data.checkOriginAppId !== false && target.originAppId !== source.id) throw qlikError(400, "APPS-6", "Invalid target", "The target was not published from this app.");
    requireEditOf(req, source, "Republishing an app from its space");
    requireRole(req, data(req).spaces.get(target.spaceId!)!, "publishTo", "Republishing to a managed space");
    target.content = source.content;
    // Republished from another app (checkOriginAppId false), the target now comes from that app.
    target.originAppId = source.id;
    target.republished = (target.republished ?? 0) + 1;
    target.publishTime = target.modifiedDate = new Date().toISOString();
    return { status: 200, body: nxApp(target) };
  }),
];
