/**
 * The Qlik Cloud emulator: one HTTP port impersonating every Qlik host through a path prefix
 * (`/<hostname>/api/v1/...`): each region's register host, every tenant's host (generated
 * hostname and alias) and the organisation host console.qlikcloud.com. Real paths, bodies, status
 * codes, error shape, OAuth tokens bound to the issuing host, per-tier rate limits and fault
 * injection, and each tenant's engine over WebSocket (`/<tenant-host>/app/<appId>`, cloud-engine.ts).
 * Admin knobs live under `/_emulator/`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { CloudState } from "./cloud-state.ts";
import { FaultInjector, faultRulesSchema, type FaultRule } from "./faults.ts";
import { HttpError, parseJson, qlikError, randomId, readBody, sendJson, shapeErrorFor } from "./http-kit.ts";
import { qlikOperations, type QlikOperationId } from "../qlik-operations.ts";
import { RateLimiter, qlikRateLimits, type RateLimits } from "./rate-limiter.ts";
import type { EmuRequest, HostKind, Reply, Route } from "./route.ts";
import { specChecker } from "./check-against-spec.ts";
import { authRoutes } from "./auth-routes.ts";
import { tenantRoutes } from "./tenant-routes.ts";
import { orgRoutes } from "./org-routes.ts";
import { tenantConfigRoutes } from "./tenant-config-routes.ts";
import { tenantContentRoutes } from "./tenant-content-routes.ts";
import { tenantUserRoutes } from "./tenant-user-routes.ts";
import { tenantSettingsRoutes } from "./tenant-settings-routes.ts";
import { reloadRoutes } from "./reload-routes.ts";
import { seedCustomerApps } from "./seed-customer-apps.ts";
import { attachCloudEngine, type EngineStats } from "./cloud-engine.ts";
import { cloudRegionCodes, organizationHost } from "../regions.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface CloudEmulatorOptions {
  port?: number;
  bindHost?: string;
  /** Region-level OAuth client per region code; generated when omitted. */
  regionClients?: Record<string, ClientCredentials>;
  organizationClient?: ClientCredentials;
  subscriptionId?: string;
  licenseKey?: string;
  /** The OEM's source tenant (templates, licence key). */
  sourceTenant?: { hostname: string; region: string };
  rateLimits?: Partial<RateLimits>;
  faults?: FaultRule[];
  tenantCapPerRegion?: number;
  /** Tenants the OEM shares between customers (hostname and region), created empty at start. */
  sharedTenants?: Array<{ hostname: string; region: string }>;
  /** Template app names seeded into the source tenant's "OEM templates" space. */
  templates?: string[];
  /** Extra routes (later endpoints register here). */
  routes?: Route[];
  /**
   * Test mode: check every answer to a specification operation against the schema Qlik documents
   * for its status; one that does not match is recorded in `contract.violations` and sent as a 500
   * instead, so no test passes over it. Default: QOEM_EMULATOR_CHECK_ANSWERS=1 (set by the tests).
   */
  checkAnswers?: boolean;
}

/** What the answer check found: answers that break the specification, and statuses it does not document. */
export interface ContractFindings {
  violations: string[];
  undocumented: Set<string>;
}

export interface CloudEmulator {
  url: string;
  hostUrl(hostname: string): string;
  regionClients: Record<string, ClientCredentials>;
  organizationClient: ClientCredentials;
  subscriptionId: string;
  sourceTenantHost: string;
  state: CloudState;
  faults: FaultInjector;
  limiter: RateLimiter;
  /**
   * Requests received: per route, per specification operation, per operation and kind of host
   * (`getTenant@tenant`), and those no route served.
   */
  stats: { requests: number; byRoute: Map<string, number>; operations: Map<QlikOperationId, number>; operationsAt: Map<string, number>; refusedByOperation: Map<string, number>; unrouted: string[] };
  contract: ContractFindings;
  /** The tenants' engines: sessions opened, open now, refused upgrades and closes by reason. */
  engine: EngineStats;
  close(): Promise<void>;
}

export const defaultRoutes: Route[] = [...authRoutes, ...tenantRoutes, ...orgRoutes, ...tenantConfigRoutes, ...tenantContentRoutes, ...tenantUserRoutes, ...tenantSettingsRoutes, ...reloadRoutes];

/** The OEM's template apps in the source tenant's templates space. */
export const defaultTemplates = ["Sales Overview", "Operations Monitor", "Customer Insights"];
export const TEMPLATE_SPACE = "OEM templates";

const adminFaults = z.object({ rules: faultRulesSchema });
const tierLimit = z.object({ max: z.number().int().positive(), windowMs: z.number().int().positive() }).nullable();
const adminLimits = z.object({ tier1: tierLimit.optional(), tier2: tierLimit.optional(), special: tierLimit.optional() });
const adminTenant = z.object({
  status: z.enum(["active", "disabled", "deleted", "user-access-disabled"]).optional(),
  unhealthy: z.boolean().optional(),
  reloadsFail: z.boolean().optional(),
  failedReloads: z.number().int().min(0).max(10_000).optional(),
  professionalUsed: z.number().int().min(0).optional(),
  analyzerUsed: z.number().int().min(0).optional(),
  /** An administrator tested the tenant's pending identity providers and promoted their settings. */
  verifyIdps: z.literal(true).optional(),
  /** Collaboration features switched by hand (as an administrator would in the console); notesLocked: the API cannot change notes. */
  collaboration: z.object({ notes: z.boolean(), notesLocked: z.boolean(), sharing: z.boolean(), reportSubscription: z.boolean(), reportingTemplateSubscription: z.boolean(), dataAlerts: z.boolean() }).partial().optional(),
});
/** A person signing in through the tenant's identity provider (as a JWT login would): its e-mail and groups (made when absent). */
const adminUser = z.object({ name: z.string().min(1).max(200), email: z.string().max(320).optional(), groups: z.array(z.string().min(1).max(256)).max(50).default([]) });

export async function startCloudEmulator(options: CloudEmulatorOptions = {}): Promise<CloudEmulator> {
  const subscriptionId = options.subscriptionId ?? `sub-${randomId(20)}`;
  const state = new CloudState(subscriptionId, options.licenseKey ?? `emu-license.${randomId(40)}`, options.tenantCapPerRegion ?? 8500);
  const regionClients: Record<string, ClientCredentials> = {};
  for (const code of cloudRegionCodes) {
    const creds = options.regionClients?.[code] ?? { clientId: `emu-${code}-client`, clientSecret: randomId(40) };
    regionClients[code] = creds;
    state.clients.set(creds.clientId, { ...creds, scope: code });
  }
  const organizationClient = options.organizationClient ?? { clientId: "emu-org-client", clientSecret: randomId(40) };
  state.clients.set(organizationClient.clientId, { ...organizationClient, scope: "organization" });

  const source = options.sourceTenant ?? { hostname: "oem-source.eu.qlikcloud.com", region: "eu" };
  const sourceTenant = state.addTenant({ datacenter: state.datacenterOf(source.region), region: source.region, hostname: source.hostname, name: "OEM source", createdBy: "emulator" });
  const sourceData = state.dataOf(sourceTenant.id);
  // The templates space belongs to a person at the OEM, not to qoem's OAuth client: qoem must join it to export.
  const oemAdmin = sourceData.addUser("OEM admin", "auth0|oem-admin", ["TenantAdmin"]);
  const templateSpace = sourceData.addSpace(TEMPLATE_SPACE, "shared", oemAdmin.id);
  for (const name of options.templates ?? defaultTemplates) {
    sourceData.addApp(name, templateSpace.id, Buffer.from(`QVF emulated app: ${name}\n${"x".repeat(2048)}`), { ownerId: oemAdmin.id });
  }

  for (const shared of options.sharedTenants ?? []) {
    if (!state.tenantByHost(shared.hostname)) state.addTenant({ datacenter: state.datacenterOf(shared.region), region: shared.region, hostname: shared.hostname, name: shared.hostname.split(".")[0]!, createdBy: "emulator" });
  }

  const limiter = new RateLimiter({ ...qlikRateLimits, ...options.rateLimits });
  const faults = new FaultInjector();
  if (options.faults) faults.set(options.faults);
  const routes = [...defaultRoutes, ...(options.routes ?? [])];
  const stats = { requests: 0, byRoute: new Map<string, number>(), operations: new Map<QlikOperationId, number>(), operationsAt: new Map<string, number>(), refusedByOperation: new Map<string, number>(), unrouted: [] as string[] };
  let publicBase = "";
  const trace = process.env.QOEM_EMULATOR_TRACE === "1";
  const checker = specChecker();
  const checkAnswers = options.checkAnswers ?? process.env.QOEM_EMULATOR_CHECK_ANSWERS === "1";
  const contract: ContractFindings = { violations: [], undocumented: new Set() };

  const classify = (host: string): { kind: HostKind; region?: string } | undefined => {
    if (host === organizationHost) return { kind: "console" };
    const register = /^register\.([a-z]+)\.qlikcloud\.com$/.exec(host);
    if (register && cloudRegionCodes.includes(register[1]!)) return { kind: "register", region: register[1]! };
    const tenant = state.tenantByHost(host);
    // A purged tenant's names are freed with it: nothing answers there any more.
    if (tenant && tenant.status !== "deleted") return { kind: "tenant", region: tenant.region };
    return undefined;
  };

  /** A 429 for a route whose tier is exhausted, counted per operation (what a caller overran). */
  const refuse = (route: Route, waitMs: number) => {
    const what = route.operation ?? `${route.method} ${route.path.source}`;
    stats.refusedByOperation.set(what, (stats.refusedByOperation.get(what) ?? 0) + 1);
    return rateLimitReply(Math.ceil(waitMs / 1000));
  };

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = parseJson(await readBody(req));
    if (path === "/_emulator/state" && req.method === "GET") {
      const tenants = [...state.tenants.values()].map((t) => state.toJSON(t, `${publicBase}/${t.hostnames[0]}`));
      const allowedCalls = [...limiter.allowed.values()].reduce((a, b) => a + b, 0);
      const engineState = { sessions: engine.sessions, active: engine.active(), refused: Object.fromEntries(engine.refused) };
      return sendJson(res, 200, { tenants, faults: faults.list(), rateLimits: limiter.limits, http429: limiter.counted429, requests: stats.requests, allowedCalls, boundMs: limiter.boundMs(), allowedByBucket: Object.fromEntries(limiter.allowed), engine: engineState });
    }
    if (path === "/_emulator/buckets" && req.method === "GET") {
      // Calls let through per `tier|host|client`: a benchmark computes its bound from them (rollouts: per wave);
      // calls answered 429 per bucket: which caller overran which tier.
      return sendJson(res, 200, { limits: limiter.limits, allowed: Object.fromEntries(limiter.allowed), refused: Object.fromEntries(limiter.refused), refusedByOperation: Object.fromEntries(stats.refusedByOperation) });
    }
    if (path === "/_emulator/source-apps" && req.method === "PATCH") {
      // The OEM ships a new version of a template: new content, a new modification time.
      const parsed = z.object({ name: z.string().min(1), content: z.string().min(1).max(1_000_000) }).safeParse(body);
      if (!parsed.success) throw qlikError(400, "EMU-6", "Invalid template version");
      const app = [...state.dataOf(sourceTenant.id).apps.values()].find((a) => a.name === parsed.data.name);
      if (!app) throw qlikError(404, "EMU-7", "No such template");
      app.content = Buffer.from(parsed.data.content);
      app.modifiedDate = new Date(Math.max(Date.now(), Date.parse(app.modifiedDate) + 1)).toISOString();
      return sendJson(res, 200, { name: app.name, modifiedDate: app.modifiedDate });
    }
    if (path === "/_emulator/faults" && req.method === "POST") {
      const parsed = adminFaults.safeParse(body);
      if (!parsed.success) throw qlikError(400, "EMU-1", "Invalid fault rules", parsed.error.issues[0]?.message);
      faults.set(parsed.data.rules);
      return sendJson(res, 200, { rules: faults.list() });
    }
    if (path === "/_emulator/faults" && req.method === "DELETE") {
      faults.clear();
      return sendJson(res, 204, undefined);
    }
    if (path === "/_emulator/rate-limits" && req.method === "POST") {
      const parsed = adminLimits.safeParse(body);
      if (!parsed.success) throw qlikError(400, "EMU-2", "Invalid rate limits", parsed.error.issues[0]?.message);
      limiter.limits = { ...limiter.limits, ...parsed.data } as RateLimits;
      return sendJson(res, 200, limiter.limits);
    }
    if (path === "/_emulator/tenants" && req.method === "POST") {
      // Bulk seeding for benchmarks: many active, named, aliased tenants in one region.
      // `onboarded`: each tenant as qoem's onboard leaves it (the JWT identity provider of that issuer, the
      // production space with the source's templates published), so a sweep's detailed checks see healthy
      // tenants and make the calls a healthy tenant costs; without it the tenants are bare (and red).
      // `apps`: each tenant with these templates imported to staging and published to production (rollouts).
      const parsed = z
        .object({ count: z.number().int().min(1).max(20_000), region: z.string(), prefix: z.string().regex(/^[a-z][a-z0-9-]*$/), onboarded: z.object({ jwtIssuer: z.string().url() }).strict().optional(), apps: z.array(z.string().min(1)).max(20).optional() })
        .strict()
        .safeParse(body);
      if (!parsed.success || !cloudRegionCodes.includes(parsed.data.region)) throw qlikError(400, "EMU-5", "Invalid bulk request", parsed.success ? `unknown region ${parsed.data.region}` : parsed.error.issues[0]?.message);
      const { count, region, prefix, onboarded, apps } = parsed.data;
      const templates = [...sourceData.apps.values()].filter((a) => a.spaceId === templateSpace.id);
      const created = [];
      for (let i = 0; i < count; i++) {
        const name = `${prefix}${i}`;
        const t = state.addTenant({ datacenter: state.datacenterOf(region), region, name, createdBy: "emulator" });
        state.setAlias(t, `${name}.${region}.qlikcloud.com`);
        if (onboarded) {
          const content = state.dataOf(t.id);
          const now = new Date().toISOString();
          const idp = { id: randomId(24, "0123456789abcdef"), protocol: "jwtAuth", provider: "external", active: true, interactive: false, description: `qoem: ${name}`, tenantIds: [t.id], options: { issuer: onboarded.jwtIssuer }, created: now, lastUpdated: now };
          content.idps.set(idp.id, idp);
          const production = content.addSpace(`${name}-production`, "managed");
          for (const template of templates) content.addApp(template.name, production.id, template.content, { published: true, publishTime: now, originAppId: template.id });
        }
        if (apps?.length) seedCustomerApps(state.dataOf(t.id), name, apps, regionClients[region]!.clientId);
        created.push({ id: t.id, name, hostname: t.hostnames[1] });
      }
      return sendJson(res, 201, { tenants: created });
    }
    const tenantKnob = /^\/_emulator\/tenants\/([^/]+)$/.exec(path);
    if (tenantKnob && req.method === "PATCH") {
      const tenant = state.tenantById(tenantKnob[1]!) ?? state.tenantByHost(tenantKnob[1]!);
      if (!tenant) throw qlikError(404, "EMU-3", "Unknown tenant");
      const parsed = adminTenant.safeParse(body);
      if (!parsed.success) throw qlikError(400, "EMU-4", "Invalid tenant knob", parsed.error.issues[0]?.message);
      const { failedReloads, professionalUsed, analyzerUsed, verifyIdps, collaboration, ...flags } = parsed.data;
      Object.assign(tenant, flags);
      const content = state.dataOf(tenant.id);
      if (collaboration) Object.assign(content.collaboration, collaboration);
      if (verifyIdps) content.verifyPendingIdps();
      if (professionalUsed !== undefined) content.licenseUnits.professional.unitsUsed = professionalUsed;
      if (analyzerUsed !== undefined) content.licenseUnits.analyzer.unitsUsed = analyzerUsed;
      if (failedReloads !== undefined) {
        const apps = [...content.apps.values()];
        const appId = (apps.find((a) => a.published) ?? apps[0])?.id ?? "no-app";
        for (let i = 0; i < failedReloads; i++) content.addReload(appId, "FAILED", 60_000 * (i + 1), "Connection to data source failed");
      }
      return sendJson(res, 200, state.toJSON(tenant, `${publicBase}/${tenant.hostnames[0]}`));
    }
    const userKnob = /^\/_emulator\/tenants\/([^/]+)\/users$/.exec(path);
    if (userKnob && req.method === "POST") {
      const tenant = state.tenantById(userKnob[1]!) ?? state.tenantByHost(userKnob[1]!);
      if (!tenant) throw qlikError(404, "EMU-3", "Unknown tenant");
      const parsed = adminUser.safeParse(body);
      if (!parsed.success) throw qlikError(400, "EMU-6", "Invalid user", parsed.error.issues[0]?.message);
      const content = state.dataOf(tenant.id);
      const groupIds = parsed.data.groups.map((g) => content.groupNamed(g).id);
      const user = content.addUser(parsed.data.name, `jwt|${randomId(12)}`, [], { ...(parsed.data.email ? { email: parsed.data.email } : {}), groupIds });
      // The token acts as this person on the tenant's host (what the embedded session would carry).
      const grant = state.issueToken(tenant.hostnames[0]!, "emulator-login", user.id);
      return sendJson(res, 201, { id: user.id, token: grant.token, host: tenant.hostnames[0] });
    }
    throw qlikError(404, "EMU-404", "Unknown emulator admin path");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const url = new URL(req.url ?? "/", "http://emulator");
    if (trace) process.stderr.write(`emu ${Date.now() % 100000} ${req.method} ${url.pathname.slice(0, 90)}\n`);
    if (url.pathname.startsWith("/_emulator/")) return handleAdmin(req, res, url.pathname);
    const m = /^\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const host = m?.[1] ?? "";
    const path = m?.[2] ?? "/";
    const method = req.method ?? "GET";

    let dropAfter = false;
    let latencyAfterMs = 0;
    for (const fault of faults.match(method, `${host}${path}`)) {
      if (fault.action === "drop-after") dropAfter = true;
      else if (fault.action === "latency-after") latencyAfterMs = Math.max(latencyAfterMs, fault.latencyMs ?? 1000);
      else if (fault.action === "latency") await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1000));
      else if (fault.action === "drop") {
        req.socket.destroy();
        return;
      } else if (fault.action === "rate-limit") {
        const seconds = fault.retryAfterSeconds ?? 1;
        limiter.counted429++;
        throw rateLimitReply(seconds);
      } else throw qlikError(fault.status ?? 503, `HTTP-${fault.status ?? 503}`, "Injected fault", "The emulator was told to fail this request.");
    }

    const where = classify(host);
    if (!where) throw qlikError(404, "HTTP-404", "Unknown host", `No Qlik host '${host}' is known to the emulator.`);
    const tenant = where.kind === "tenant" ? state.tenantByHost(host) : undefined;
    // A deactivated tenant's host refuses every API call as unauthorised, with a code that says why.
    if (tenant?.status === "disabled" && path.startsWith("/api/")) throw qlikError(401, "TENANT_DISABLED", "Tenant is disabled", "The tenant has been deactivated.");
    if (tenant && tenant.status !== "active" && path.startsWith("/api/")) {
      throw qlikError(403, "TENANTS-403", "Tenant is not active", `Tenant status is '${tenant.status}'.`);
    }
    if (tenant?.unhealthy && path.startsWith("/api/")) throw qlikError(503, "HTTP-503", "Service unavailable");

    let params: string[] = [];
    const route = routes.find((r) => {
      if (r.method !== method || !r.hosts.includes(where.kind)) return false;
      const hit = r.path.exec(path);
      if (hit) params = hit.slice(1).map(decodeURIComponent);
      return Boolean(hit);
    });
    if (!route) {
      stats.unrouted.push(`${method} ${host}${path}`);
      throw qlikError(404, "HTTP-404", "Not found", `${method} ${path} is not an endpoint of this host.`);
    }
    stats.byRoute.set(`${method} ${route.path.source}`, (stats.byRoute.get(`${method} ${route.path.source}`) ?? 0) + 1);
    if (route.operation) {
      stats.operations.set(route.operation, (stats.operations.get(route.operation) ?? 0) + 1);
      const at = `${route.operation}@${where.kind}`;
      stats.operationsAt.set(at, (stats.operationsAt.get(at) ?? 0) + 1);
    }

    let reply: Reply;
    let handled = false;
    try {
      let grant;
      if (route.auth) {
        const auth = req.headers.authorization ?? "";
        const token = /^Bearer (.+)$/i.exec(auth)?.[1];
        grant = token ? state.grantFor(token) : undefined;
        if (!grant || grant.host !== host) {
          throw qlikError(401, "HTTP-401", "Unauthorized", token ? "The token is not valid for this host." : "A bearer token is required.");
        }
        if (route.tier) {
          const waitMs = limiter.take(`${host}|${grant.clientId}`, route.tier);
          if (waitMs > 0) throw refuse(route, waitMs);
        }
      }
      const raw = await readBody(req);
      const isJson = (req.headers["content-type"] ?? "").includes("json");
      const body = isJson || route.path.source.includes("oauth") ? parseJson(raw) : undefined;
      if (!route.auth && route.tier) {
        // No token yet (the token endpoint): the caller is the client the body names, and it spends
        // the same tier budget on this host as its calls with a token do.
        const clientId = (body as { client_id?: unknown } | undefined)?.client_id;
        const waitMs = limiter.take(`${host}|${typeof clientId === "string" ? clientId : req.socket.remoteAddress ?? "anonymous"}`, route.tier);
        if (waitMs > 0) throw refuse(route, waitMs);
      }
      if (route.operation) {
        const refusal = checker.checkRequest(route.operation, { pathParams: params, query: url.searchParams, headers: req.headers, body, isJson });
        if (refusal) throw qlikError(400, "HTTP-400", "Bad Request", refusal);
      }
      const emuReq: EmuRequest = {
        method,
        host,
        hostKind: where.kind,
        params,
        query: url.searchParams,
        headers: req.headers,
        body,
        raw,
        base: `${publicBase}/${host}`,
        state,
        ...(where.region ? { region: where.region } : {}),
        ...(tenant ? { tenant } : {}),
        ...(grant ? { grant } : {}),
      };
      reply = await route.handle(emuReq);
      handled = true;
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const body = route.operation ? shapeErrorFor(qlikOperations[route.operation].path, error.body) : error.body;
      reply = { status: error.status, body, headers: error.headers };
    }
    if (handled && dropAfter) {
      req.socket.destroy();
      return;
    }
    if (handled && latencyAfterMs) await new Promise((r) => setTimeout(r, latencyAfterMs));
    if (route.operation && checkAnswers && !reply.raw) {
      const found = checker.checkAnswer(route.operation, reply.status, reply.body);
      if (found.undocumented) contract.undocumented.add(found.undocumented);
      if (found.violation) {
        contract.violations.push(found.violation);
        process.stderr.write(`emulator answer breaks Qlik's specification: ${found.violation}\n`);
        reply = { status: 500, body: { errors: [{ code: "EMU-CONTRACT", title: "Emulator answer breaks Qlik's specification", detail: found.violation, status: "500" }] } };
      }
    }
    if (reply.raw) {
      res.writeHead(reply.status, { "content-length": reply.raw.length, ...reply.headers });
      res.end(reply.raw);
      return;
    }
    sendJson(res, reply.status, reply.body, reply.headers);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      if (error instanceof HttpError) return sendJson(res, error.status, error.body, error.headers);
      sendJson(res, 500, { errors: [{ code: "HTTP-500", title: "Internal emulator error", status: "500", detail: String(error) }] });
    });
  });
  const engine = attachCloudEngine(server, state, faults);
  // A port in use rejects (the caller says which port); it is never an unhandled 'error' event.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.bindHost ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  publicBase = `http://${options.bindHost ?? "127.0.0.1"}:${address.port}`;

  return {
    url: publicBase,
    hostUrl: (hostname) => `${publicBase}/${hostname}`,
    regionClients,
    organizationClient,
    subscriptionId,
    sourceTenantHost: source.hostname,
    state,
    faults,
    limiter,
    stats,
    contract,
    engine,
    close: () =>
      new Promise<void>((resolve, reject) => {
        engine.close();
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function rateLimitReply(seconds: number): HttpError {
  return new HttpError(
    429,
    { errors: [{ code: "HTTP-429", title: "API rate limit reached.", detail: `You need to wait ${seconds} seconds until limit is lifted.`, status: "429" }] },
    { "retry-after": String(seconds) },
  );
}
