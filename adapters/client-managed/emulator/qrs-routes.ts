// The QRS endpoints qoem uses, over the emulator's site state, with QRS's status codes and bare arrays.
import { z } from "zod";
import { HttpError } from "../../qlik-cloud/emulator/http-kit.ts";
import { parseQrsFilter, qrsMatches, QrsFilterError } from "./qrs-filter.ts";
import type { QrsApp, SiteState } from "./site-state.ts";

export interface QrsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  state: SiteState;
}
export interface QrsReply {
  status: number;
  body?: unknown;
}

const fail = (status: number, message: string) => new HttpError(status, message);

function listOf<T>(req: QrsRequest, items: T[], condense: (t: T) => unknown, full: boolean): QrsReply {
  const filter = req.query.get("filter");
  let out = items;
  if (filter) {
    try {
      const node = parseQrsFilter(filter);
      out = items.filter((i) => qrsMatches(node, i));
    } catch (e) {
      throw fail(400, `Invalid filter: ${e instanceof QrsFilterError ? e.message : "unparseable"}`);
    }
  }
  return { status: 200, body: out.map((i) => (full ? strip(i) : condense(i))) };
}

/** The emulator keeps app content internally; QRS never returns it. */
function strip<T>(entity: T): unknown {
  if (entity && typeof entity === "object" && "content" in entity) {
    const { content: _content, ...rest } = entity as unknown as QrsApp;
    return { ...rest, schemaPath: "App" };
  }
  return entity;
}

function byId<T extends { id: string }>(map: Map<string, T>, id: string, what: string): T {
  const found = map.get(id);
  if (!found) throw fail(404, `${what} ${id} not found`);
  return found;
}

function checkModified(entity: { modifiedDate: string }, body: unknown): void {
  const given = (body as { modifiedDate?: unknown } | undefined)?.modifiedDate;
  if (typeof given !== "string") throw fail(400, "modifiedDate is required on update");
  if (given !== entity.modifiedDate) throw fail(409, "Conflict: the entity was modified since it was read");
}

const customPropertyValue = z.object({ value: z.string(), definition: z.object({ id: z.string() }) });
const streamBody = z.object({ name: z.string().min(1), customProperties: z.array(customPropertyValue).default([]), tags: z.array(z.unknown()).default([]) }).passthrough();
const ruleBody = z.object({ name: z.string().min(1), category: z.enum(["Security", "License", "Sync"]), type: z.string().default("Custom"), rule: z.string(), resourceFilter: z.string().min(1), actions: z.number().int().min(0), ruleContext: z.number().int().min(0).max(2).default(0), disabled: z.boolean().default(false), comment: z.string().default("") }).passthrough();
const defBody = z.object({ name: z.string().min(1), valueType: z.string().default("Text"), choiceValues: z.array(z.string()).default([]), objectTypes: z.array(z.string()).default([]), description: z.string().default("") }).passthrough();
// Required as VirtualProxyConfig in Qlik's QRS specification: sessionCookieHeaderName, sessionInactivityTimeout, defaultVirtualProxy.
const vpBody = z
  .object({
    prefix: z.string().min(1).regex(/^[a-z0-9-]+$/),
    description: z.string().default(""),
    authenticationMethod: z.number().int().min(0).max(5),
    sessionCookieHeaderName: z.string().min(1).max(255),
    sessionInactivityTimeout: z.number().int().min(1),
    defaultVirtualProxy: z.boolean(),
    jwtPublicKeyCertificate: z.string().max(100_000).default(""),
    jwtAttributeUserId: z.string().max(255).default(""),
    jwtAttributeUserDirectory: z.string().max(255).default(""),
    loadBalancingServerNodes: z.array(z.object({ id: z.string() }).passthrough()).default([]),
    websocketCrossOriginWhiteList: z.array(z.string()).default([]),
  })
  .passthrough()
  .refine((v) => v.authenticationMethod !== 4 || v.jwtPublicKeyCertificate.includes("-----BEGIN CERTIFICATE-----"), { message: "JWT authentication takes a certificate PEM in jwtPublicKeyCertificate", path: ["jwtPublicKeyCertificate"] })
  .refine((v) => v.authenticationMethod !== 4 || (v.jwtAttributeUserId !== "" && v.jwtAttributeUserDirectory !== ""), { message: "JWT authentication needs jwtAttributeUserId and jwtAttributeUserDirectory", path: ["jwtAttributeUserId"] });

/** Custom property values as QRS stores them: each a choice value of a definition that lists the entity's object type. */
function resolveProperties(state: SiteState, values: Array<{ value: string; definition: { id: string } }>, objectType: string) {
  return values.map((v) => {
    const def = byId(state.definitions, v.definition.id, "CustomPropertyDefinition");
    if (!def.objectTypes.includes(objectType)) throw fail(400, `custom property ${def.name} is not for ${objectType} (its object types: ${def.objectTypes.join(", ") || "none"})`);
    if (!def.choiceValues.includes(v.value)) throw fail(400, `'${v.value}' is not a choice value of custom property ${def.name}`);
    return { value: v.value, definition: { id: def.id, name: def.name } };
  });
}

type Handler = (req: QrsRequest, params: string[]) => QrsReply;
const routes: Array<[string, RegExp, Handler]> = [
  ["GET", /^\/qrs\/about$/, () => ({ status: 200, body: { buildVersion: "14.254.6.0", buildDate: "2026-08-01", databaseProvider: "Devart.Data.PostgreSql", nodeType: 1, sharedPersistence: true, requiresBootstrap: false, singleNodeOnly: false, schemaPath: "About" } })],
  ["GET", /^\/qrs\/servicestatus\/full$/, (req) => ({ status: 200, body: req.state.services.map((s) => ({ ...s, timestamp: new Date().toISOString(), serverNodeConfiguration: req.state.node, schemaPath: "ServiceStatus" })) })],

  ["GET", /^\/qrs\/custompropertydefinition(\/full)?$/, (req, [full]) => listOf(req, [...req.state.definitions.values()], (d) => ({ id: d.id, name: d.name, valueType: d.valueType, choiceValues: d.choiceValues }), Boolean(full))],
  ["POST", /^\/qrs\/custompropertydefinition$/, (req) => {
    const body = defBody.safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid custom property definition");
    if ([...req.state.definitions.values()].some((d) => d.name.toLowerCase() === body.data.name.toLowerCase())) throw fail(409, "A custom property with that name exists");
    const def = req.state.stamp({ name: body.data.name, valueType: body.data.valueType, choiceValues: body.data.choiceValues, objectTypes: body.data.objectTypes, description: body.data.description });
    req.state.definitions.set(def.id, def);
    return { status: 201, body: def };
  }],
  ["PUT", /^\/qrs\/custompropertydefinition\/([0-9a-f-]{36})$/, (req, [id]) => {
    const def = byId(req.state.definitions, id!, "CustomPropertyDefinition");
    checkModified(def, req.body);
    const body = defBody.safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid custom property definition");
    Object.assign(def, { name: body.data.name, choiceValues: body.data.choiceValues, objectTypes: body.data.objectTypes, description: body.data.description });
    req.state.touch(def);
    return { status: 200, body: def };
  }],

  // Tags (Qlik's QRS specification: Tag with a required name of at most 255 characters; entities refer to them as TagCondensed).
  ["GET", /^\/qrs\/tag(\/full)?$/, (req, [full]) => listOf(req, [...req.state.tags.values()], (t) => ({ id: t.id, name: t.name, privileges: null }), Boolean(full))],
  ["POST", /^\/qrs\/tag$/, (req) => {
    const body = z.object({ name: z.string().max(255) }).passthrough().safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid tag: a name of at most 255 characters is required");
    const tag = req.state.stamp({ name: body.data.name });
    req.state.tags.set(tag.id, tag);
    return { status: 201, body: { ...tag, privileges: null, schemaPath: "Tag" } };
  }],

  ["GET", /^\/qrs\/stream(\/full)?$/, (req, [full]) => listOf(req, [...req.state.streams.values()], (s) => ({ id: s.id, name: s.name, privileges: null }), Boolean(full))],
  ["GET", /^\/qrs\/stream\/([0-9a-f-]{36})$/, (req, [id]) => ({ status: 200, body: byId(req.state.streams, id!, "Stream") })],
  ["POST", /^\/qrs\/stream$/, (req) => {
    const body = streamBody.safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid stream");
    const stream = req.state.addStream(body.data.name, resolveProperties(req.state, body.data.customProperties, "Stream"));
    return { status: 201, body: stream };
  }],
  ["DELETE", /^\/qrs\/stream\/([0-9a-f-]{36})$/, (req, [id]) => {
    byId(req.state.streams, id!, "Stream");
    for (const app of [...req.state.apps.values()]) if (app.stream?.id === id) req.state.apps.delete(app.id);
    req.state.streams.delete(id!);
    return { status: 204 };
  }],

  ["GET", /^\/qrs\/app(\/full)?$/, (req, [full]) => listOf(req, [...req.state.apps.values()], (a) => ({ id: a.id, name: a.name, appId: a.appId, publishTime: a.publishTime, published: a.published, stream: a.stream, privileges: null }), Boolean(full))],
  ["GET", /^\/qrs\/app\/([0-9a-f-]{36})$/, (req, [id]) => ({ status: 200, body: strip(byId(req.state.apps, id!, "App")) })],
  ["POST", /^\/qrs\/app\/([0-9a-f-]{36})\/copy$/, (req, [id]) => {
    const source = byId(req.state.apps, id!, "App");
    const copy = req.state.addApp(req.query.get("name") ?? source.name, source.content);
    return { status: 201, body: strip(copy) };
  }],
  // Export as QRS does it: a ticket under the caller's token (a GUID), then the .qvf at the ticket's download path.
  ["POST", /^\/qrs\/app\/([0-9a-f-]{36})\/export\/([^/]+)$/, (req, [id, token]) => {
    const app = byId(req.state.apps, id!, "App");
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token!)) throw fail(400, "token must be a GUID");
    const existing = req.state.exports.get(token!);
    if (existing && existing.appId !== app.id) throw fail(409, "The export token is in use for another app");
    const fileName = `${app.name.replace(/[^\w .-]/g, "_")}.qvf`;
    req.state.exports.set(token!, { appId: app.id, fileName });
    return { status: 201, body: { exportToken: token, appId: app.id, downloadPath: `/qrs/download/app/${app.id}/${token}/${encodeURIComponent(fileName)}`, cancelled: false, schemaPath: "AppExportResponse" } };
  }],
  ["GET", /^\/qrs\/download\/app\/([0-9a-f-]{36})\/([^/]+)\/([^/]+)$/, (req, [id, ticket]) => {
    const exported = req.state.exports.get(ticket!);
    if (!exported || exported.appId !== id) throw fail(404, "No such export ticket");
    const app = byId(req.state.apps, id!, "App");
    return { status: 200, body: Buffer.from(app.content, "utf8") };
  }],
  ["PUT", /^\/qrs\/app\/([0-9a-f-]{36})\/publish$/, (req, [id]) => {
    const app = byId(req.state.apps, id!, "App");
    const streamId = req.query.get("stream");
    if (!streamId) throw fail(400, "stream is required");
    const stream = byId(req.state.streams, streamId, "Stream");
    if (app.published) throw fail(400, "The app is already published");
    req.state.publish(app, stream, req.query.get("name") ?? undefined);
    return { status: 200, body: strip(app) };
  }],
  ["PUT", /^\/qrs\/app\/([0-9a-f-]{36})\/replace$/, (req, [id]) => {
    const source = byId(req.state.apps, id!, "App");
    const targetId = req.query.get("app");
    if (!targetId) throw fail(400, "app is required");
    const target = byId(req.state.apps, targetId, "App");
    if (!target.published) throw fail(400, "The target app is not published");
    target.content = source.content;
    target.fileSize = source.fileSize;
    target.replaced = (target.replaced ?? 0) + 1;
    target.publishTime = new Date().toISOString();
    req.state.touch(target);
    return { status: 200, body: strip(target) };
  }],
  ["PUT", /^\/qrs\/app\/([0-9a-f-]{36})$/, (req, [id]) => {
    const app = byId(req.state.apps, id!, "App");
    checkModified(app, req.body);
    const body = z.object({ name: z.string().min(1), customProperties: z.array(customPropertyValue).default([]), tags: z.array(z.object({ id: z.string() }).passthrough()).optional() }).passthrough().safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid app");
    app.name = body.data.name;
    app.customProperties = resolveProperties(req.state, body.data.customProperties, "App");
    // Each tag named must exist; an update that names none leaves the app's tags as they are.
    if (body.data.tags) app.tags = body.data.tags.map((t) => ({ id: byId(req.state.tags, t.id, "Tag").id, name: req.state.tags.get(t.id)!.name, privileges: null }));
    req.state.touch(app);
    return { status: 200, body: strip(app) };
  }],
  ["DELETE", /^\/qrs\/app\/([0-9a-f-]{36})$/, (req, [id]) => {
    byId(req.state.apps, id!, "App");
    req.state.apps.delete(id!);
    for (const t of [...req.state.reloadTasks.values()]) if (t.app.id === id) req.state.reloadTasks.delete(t.id);
    return { status: 204 };
  }],

  ["GET", /^\/qrs\/systemrule(\/full)?$/, (req, [full]) => listOf(req, [...req.state.rules.values()], (r) => ({ id: r.id, name: r.name, privileges: null }), Boolean(full))],
  ["POST", /^\/qrs\/systemrule$/, (req) => {
    const body = ruleBody.safeParse(req.body);
    if (!body.success) throw fail(400, `Invalid system rule: ${body.error.issues[0]?.path.join(".")} ${body.error.issues[0]?.message}`);
    if (!/^[A-Za-z.]+_(\*|[0-9a-f-]{36})(,\s*[A-Za-z.]+_(\*|[0-9a-f-]{36}))*$/.test(body.data.resourceFilter)) throw fail(400, "Invalid resourceFilter");
    const rule = req.state.stamp({ name: body.data.name, category: body.data.category, type: body.data.type, rule: body.data.rule, resourceFilter: body.data.resourceFilter, actions: body.data.actions, ruleContext: body.data.ruleContext, disabled: body.data.disabled, comment: body.data.comment });
    req.state.rules.set(rule.id, rule);
    return { status: 201, body: { ...rule, schemaPath: "SystemRule" } };
  }],
  ["PUT", /^\/qrs\/systemrule\/([0-9a-f-]{36})$/, (req, [id]) => {
    const rule = byId(req.state.rules, id!, "SystemRule");
    checkModified(rule, req.body);
    const body = ruleBody.safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid system rule");
    Object.assign(rule, { rule: body.data.rule, resourceFilter: body.data.resourceFilter, actions: body.data.actions, disabled: body.data.disabled, comment: body.data.comment, name: body.data.name });
    req.state.touch(rule);
    return { status: 200, body: rule };
  }],
  ["DELETE", /^\/qrs\/systemrule\/([0-9a-f-]{36})$/, (req, [id]) => {
    byId(req.state.rules, id!, "SystemRule");
    req.state.rules.delete(id!);
    return { status: 204 };
  }],

  ["GET", /^\/qrs\/virtualproxyconfig(\/full)?$/, (req, [full]) => listOf(req, [...req.state.virtualProxies.values()], (v) => ({ id: v.id, prefix: v.prefix, description: v.description, authenticationMethod: v.authenticationMethod }), Boolean(full))],
  ["POST", /^\/qrs\/virtualproxyconfig$/, (req) => {
    const body = vpBody.safeParse(req.body);
    if (!body.success) throw fail(400, `Invalid virtual proxy: ${body.error.issues[0]?.path.join(".")} ${body.error.issues[0]?.message}`);
    const all = [...req.state.virtualProxies.values()];
    if (all.some((v) => v.prefix === body.data.prefix || v.sessionCookieHeaderName === body.data.sessionCookieHeaderName)) throw fail(409, "prefix and sessionCookieHeaderName must be unique");
    const d = body.data;
    for (const n of d.loadBalancingServerNodes) if (n.id !== req.state.node.id) throw fail(400, `Invalid virtual proxy: server node ${n.id} does not exist`);
    const vp = req.state.stamp({
      prefix: d.prefix, description: d.description, authenticationMethod: d.authenticationMethod, sessionCookieHeaderName: d.sessionCookieHeaderName, sessionInactivityTimeout: d.sessionInactivityTimeout, defaultVirtualProxy: d.defaultVirtualProxy,
      jwtPublicKeyCertificate: d.jwtPublicKeyCertificate, jwtAttributeUserId: d.jwtAttributeUserId, jwtAttributeUserDirectory: d.jwtAttributeUserDirectory,
      loadBalancingServerNodes: d.loadBalancingServerNodes.map((n) => ({ id: n.id })), websocketCrossOriginWhiteList: d.websocketCrossOriginWhiteList,
    });
    req.state.virtualProxies.set(vp.id, vp);
    return { status: 201, body: vp };
  }],
  ["PUT", /^\/qrs\/virtualproxyconfig\/([0-9a-f-]{36})$/, (req, [id]) => {
    const vp = byId(req.state.virtualProxies, id!, "VirtualProxyConfig");
    checkModified(vp, req.body);
    const body = vpBody.safeParse(req.body);
    if (!body.success) throw fail(400, `Invalid virtual proxy: ${body.error.issues[0]?.path.join(".")} ${body.error.issues[0]?.message}`);
    const d = body.data;
    for (const n of d.loadBalancingServerNodes) if (n.id !== req.state.node.id) throw fail(400, `Invalid virtual proxy: server node ${n.id} does not exist`);
    if ([...req.state.virtualProxies.values()].some((v) => v.id !== vp.id && (v.prefix === d.prefix || v.sessionCookieHeaderName === d.sessionCookieHeaderName))) throw fail(409, "prefix and sessionCookieHeaderName must be unique");
    Object.assign(vp, {
      prefix: d.prefix, description: d.description, authenticationMethod: d.authenticationMethod, sessionCookieHeaderName: d.sessionCookieHeaderName, sessionInactivityTimeout: d.sessionInactivityTimeout, defaultVirtualProxy: d.defaultVirtualProxy,
      jwtPublicKeyCertificate: d.jwtPublicKeyCertificate, jwtAttributeUserId: d.jwtAttributeUserId, jwtAttributeUserDirectory: d.jwtAttributeUserDirectory,
      loadBalancingServerNodes: d.loadBalancingServerNodes.map((n) => ({ id: n.id })), websocketCrossOriginWhiteList: d.websocketCrossOriginWhiteList,
    });
    req.state.touch(vp);
    return { status: 200, body: vp };
  }],
  ["DELETE", /^\/qrs\/virtualproxyconfig\/([0-9a-f-]{36})$/, (req, [id]) => {
    byId(req.state.virtualProxies, id!, "VirtualProxyConfig");
    if ([...req.state.proxyServices.values()].some((p) => p.settings.virtualProxies.some((v) => v.id === id))) throw fail(400, "The virtual proxy is still linked to a proxy service");
    req.state.virtualProxies.delete(id!);
    return { status: 204 };
  }],
  ["GET", /^\/qrs\/engineservice\/full$/, (req) => listOf(req, req.state.engineServices.map((e) => ({ ...e, schemaPath: "EngineService" })), (e) => e, true)],
  ["GET", /^\/qrs\/proxyservice\/full$/, (req) => ({ status: 200, body: [...req.state.proxyServices.values()] })],
  ["PUT", /^\/qrs\/proxyservice\/([0-9a-f-]{36})$/, (req, [id]) => {
    const proxy = byId(req.state.proxyServices, id!, "ProxyService");
    checkModified(proxy, req.body);
    const body = z.object({ settings: z.object({ virtualProxies: z.array(z.object({ id: z.string() }).passthrough()) }).passthrough() }).passthrough().safeParse(req.body);
    if (!body.success) throw fail(400, "Invalid proxy service");
    for (const v of body.data.settings.virtualProxies) byId(req.state.virtualProxies, v.id, "VirtualProxyConfig");
    proxy.settings.virtualProxies = body.data.settings.virtualProxies.map((v) => ({ id: v.id }));
    req.state.touch(proxy);
    return { status: 200, body: proxy };
  }],

  ["GET", /^\/qrs\/reloadtask\/full$/, (req) =>
    listOf(
      req,
      [...req.state.reloadTasks.values()].map((t) => {
        const app = req.state.apps.get(t.app.id);
        return { ...t, app: { id: t.app.id, name: t.app.name, stream: app?.stream ?? null }, operational: { lastExecutionResult: { status: t.lastStatus, stopTime: t.lastStopTime, details: [{ message: t.lastMessage }] } }, schemaPath: "ReloadTask" };
      }),
      (t) => t,
      true,
    )],
];

export function handleQrs(req: QrsRequest): QrsReply {
  for (const [method, pattern, handler] of routes) {
    if (method !== req.method) continue;
    const m = pattern.exec(req.path);
    if (!m) continue;
    // An update names its entity twice, in the URL and in the body: they must agree.
    const bodyId = (req.body as { id?: unknown } | undefined)?.id;
    if (method === "PUT" && typeof bodyId === "string" && m[1] && bodyId.toLowerCase() !== m[1].toLowerCase()) throw fail(400, `The id in the body (${bodyId}) is not the id in the URL (${m[1]})`);
    return handler(req, m.slice(1));
  }
  throw fail(404, `${req.method} ${req.path} is not a QRS endpoint`);
}
