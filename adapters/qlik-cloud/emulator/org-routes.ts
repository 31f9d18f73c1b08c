// Organisation-level tenant listing on console.qlikcloud.com: SCIM filter, cursor pagination.
import { qlikError } from "./http-kit.ts";
import { compileScimFilter, parseScimFilter, scimAttributes, ScimSyntaxError, type ScimNode } from "./scim-filter.ts";
import type { EmuTenant } from "./cloud-state.ts";
import type { EmuRequest, Route } from "./route.ts";
import { tierOf } from "../spec/read-qlik-spec.ts";

const operatorsAllowed: Record<string, string[]> = {
  regionCode: ["eq", "ne"],
  status: ["eq", "ne"],
  countryCode: ["eq", "ne"],
  subscriptionId: ["eq"],
  name: ["eq"],
  hostnames: ["eq"],
  id: ["eq"],
  originalId: ["eq"],
  createdAt: ["eq"],
  updatedAt: ["eq"],
};
const sortable = new Set(["name", "regionCode", "countryCode", "hostnames", "createdAt", "updatedAt", "status", "subscriptionId"]);

function orgItem(t: EmuTenant, base: string) {
  return {
    id: t.id,
    originalId: t.id,
    name: t.name,
    hostnames: t.hostnames,
    regionCode: t.datacenter,
    countryCode: "",
    subscriptionId: t.subscriptionId,
    status: t.status,
    createdAt: t.created,
    updatedAt: t.lastUpdated,
    links: { self: { href: `${base}/api/core/tenants/${t.id}` } },
  };
}

function readAttr(t: ReturnType<typeof orgItem>, attr: string): string | string[] | undefined {
  const v = (t as unknown as Record<string, unknown>)[attr];
  return typeof v === "string" || Array.isArray(v) ? (v as string | string[]) : undefined;
}

function parseFilter(req: EmuRequest): ScimNode {
  const filter = req.query.get("filter");
  if (!filter) throw qlikError(400, "CORE-TENANTS-1", "Missing filter", 'A filter with subscriptionId eq "<id>" is required.');
  let node: ScimNode;
  try {
    node = parseScimFilter(filter);
  } catch (e) {
    throw qlikError(400, "CORE-TENANTS-2", "Invalid filter", e instanceof ScimSyntaxError ? e.message : "unparseable filter");
  }
  const used = scimAttributes(node);
  for (const { attr, op } of used) {
    const ops = operatorsAllowed[attr];
    if (!ops) throw qlikError(400, "CORE-TENANTS-2", "Invalid filter", `Attribute '${attr}' cannot be filtered.`);
    if (!ops.includes(op)) throw qlikError(400, "CORE-TENANTS-2", "Invalid filter", `Attribute '${attr}' does not allow '${op}'.`);
  }
  if (!used.some((u) => u.attr === "subscriptionId" && u.op === "eq")) {
    throw qlikError(400, "CORE-TENANTS-1", "Missing filter", 'The filter must include subscriptionId eq "<id>".');
  }
  return node;
}

function sorter(spec: string | null) {
  const keys = (spec ?? "createdAt").split(",").map((k) => k.trim()).filter(Boolean);
  for (const k of keys) {
    if (!sortable.has(k.replace(/^[-+]/, ""))) throw qlikError(400, "CORE-TENANTS-3", "Invalid sort", `Cannot sort by '${k}'.`);
  }
  return (a: ReturnType<typeof orgItem>, b: ReturnType<typeof orgItem>) => {
    for (const k of keys) {
      const desc = k.startsWith("-");
      const attr = k.replace(/^[-+]/, "");
      const av = String(readAttr(a, attr) ?? "");
      const bv = String(readAttr(b, attr) ?? "");
      if (av !== bv) return (av < bv ? -1 : 1) * (desc ? -1 : 1);
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

// The default order (createdAt, then id) never changes for a tenant, and tenants are only ever added:
// kept per state, rebuilt when the count changes, so a page of a 60,000-tenant organisation costs the
// tenants it walks past, not a sort of them all (a benchmark's emulator must keep up with Qlik's limits).
const defaultOrders = new WeakMap<EmuRequest["state"], { size: number; ids: string[]; position: Map<string, number> }>();
function defaultOrder(state: EmuRequest["state"]) {
  const known = defaultOrders.get(state);
  if (known && known.size === state.tenants.size) return known;
  const ids = [...state.tenants.values()].sort((a, b) => (a.created !== b.created ? (a.created < b.created ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((t) => t.id);
  const order = { size: state.tenants.size, ids, position: new Map(ids.map((id, i) => [id, i])) };
  defaultOrders.set(state, order);
  return order;
}

/** A page in the default order: walks from the cursor until the page and the next match are found. */
function defaultOrderPage(req: EmuRequest, node: ScimNode, limit: number, next: string | null) {
  const order = defaultOrder(req.state);
  const test = compileScimFilter(node);
  const matching = (id: string) => {
    const item = orgItem(req.state.tenantById(id)!, req.base);
    return test((attr) => readAttr(item, attr)) ? item : undefined;
  };
  let i = 0;
  if (next) {
    const at = order.position.get(next);
    if (at === undefined || !matching(next)) throw qlikError(400, "CORE-TENANTS-5", "Invalid cursor", "The next cursor is not valid.");
    i = at;
  }
  const page: Array<ReturnType<typeof orgItem>> = [];
  let after: ReturnType<typeof orgItem> | undefined;
  for (; i < order.ids.length; i++) {
    const item = matching(order.ids[i]!);
    if (!item) continue;
    if (page.length < limit) page.push(item);
    else {
      after = item;
      break;
    }
  }
  return { page, after };
}

export const orgRoutes: Route[] = [
  {
    method: "GET",
    path: /^\/api\/core\/tenants$/,
    hosts: ["console"],
    tier: tierOf("listOrgTenants"),
    auth: true,
    handle(req) {
      const node = parseFilter(req);
      const limitText = req.query.get("limit");
      const limit = limitText === null ? 20 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 0 || limit > 100) {
        throw qlikError(400, "CORE-TENANTS-4", "Invalid limit", "limit must be an integer from 0 to 100.");
      }
      const sortSpec = req.query.get("sort");
      if ((!sortSpec || sortSpec === "createdAt") && !req.query.get("prev") && req.query.get("totalResults") !== "true" && limit > 0) {
        const next = req.query.get("next");
        const { page, after } = defaultOrderPage(req, node, limit, next);
        const q = (cursor: Record<string, string>) => {
          const query = new URLSearchParams(req.query);
          query.delete("next");
          query.delete("prev");
          for (const [k, v] of Object.entries(cursor)) query.set(k, v);
          return { href: `${req.base}/api/core/tenants?${query.toString()}` };
        };
        const links: Record<string, { href: string }> = { self: q({}) };
        if (after) links.next = q({ next: after.id });
        if (next && page[0]) links.prev = q({ prev: page[0].id });
        return { status: 200, body: { data: page, links } };
      }
      const test = compileScimFilter(node);
      const all = [...req.state.tenants.values()]
        .map((t) => req.state.tenantById(t.id)!)
        .map((t) => orgItem(t, req.base))
        .filter((item) => test((attr) => readAttr(item, attr)))
        .sort(sorter(req.query.get("sort")));
      let start = 0;
      const next = req.query.get("next");
      const prev = req.query.get("prev");
      if (next) {
        start = all.findIndex((t) => t.id === next);
        if (start < 0) throw qlikError(400, "CORE-TENANTS-5", "Invalid cursor", "The next cursor is not valid.");
      } else if (prev) {
        const end = all.findIndex((t) => t.id === prev);
        if (end < 0) throw qlikError(400, "CORE-TENANTS-5", "Invalid cursor", "The prev cursor is not valid.");
        start = Math.max(0, end - limit);
      }
      const page = all.slice(start, start + limit);
      const link = (cursor: Record<string, string>) => {
        const q = new URLSearchParams(req.query);
        q.delete("next");
        q.delete("prev");
        for (const [k, v] of Object.entries(cursor)) q.set(k, v);
        return { href: `${req.base}/api/core/tenants?${q.toString()}` };
      };
      const links: Record<string, { href: string }> = { self: link({}) };
      const after = all[start + limit];
      if (after && limit > 0) links.next = link({ next: after.id });
      if (start > 0 && page[0]) links.prev = link({ prev: page[0].id });
      const body: Record<string, unknown> = { data: page, links };
      if (req.query.get("totalResults") === "true") body.totalResults = all.length;
      return { status: 200, body };
    },
  },
  {
    method: "GET",
    path: /^\/api\/core\/tenants\/([^/]+)$/,
    hosts: ["console"],
    tier: tierOf("getOrgTenant"),
    auth: true,
    handle(req) {
      const tenant = req.state.tenantById(req.params[0]!);
      if (!tenant) throw qlikError(404, "CORE-TENANTS-404", "Not found", `Tenant '${req.params[0]}' was not found.`);
      return { status: 200, body: orgItem(tenant, req.base) };
    },
  },
];
