// Tenant-host endpoints for users and group membership: `users/me` as the redirect Qlik documents, the user it leads to, the user listing, a user's and a group's removal.
import { qlikError } from "./http-kit.ts";
import { paginate } from "./paginate.ts";
import { parseScimFilter, scimAttributes, scimMatches, ScimSyntaxError } from "./scim-filter.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";
import { callerOf } from "./space-access.ts";
import type { EmuUser, TenantData } from "./tenant-data.ts";

const data = (req: EmuRequest): TenantData => req.state.dataOf(req.tenant!.id);

/** A user in the shape of Qlik's User: its groups as assignedGroups (id and name). */
function userJson(req: EmuRequest, u: EmuUser) {
  const { groupIds, ...rest } = u;
  const assignedGroups = groupIds.flatMap((id) => {
    const g = data(req).groups.get(id);
    return g ? [{ id: g.id, name: g.name }] : [];
  });
  return { ...rest, assignedGroups, links: { self: { href: `${req.base}/api/v1/users/${u.id}` } } };
}

/** The attributes GET /users documents for `eq` in its filter. */
const userFilterAttributes = ["id", "subject", "name", "email", "status", "assignedGroups.id"];

function userAttribute(u: EmuUser, attr: string): string | string[] | undefined {
  if (attr === "assignedGroups.id") return u.groupIds;
  const value = (u as unknown as Record<string, unknown>)[attr];
  return typeof value === "string" ? value : undefined;
}

export const tenantUserRoutes: Route[] = [
  // Qlik documents only a 301 to the caller's own user resource, which fetch follows.
  specRoute("getMyUser", ["tenant"], (req) => ({ status: 301, headers: { location: `${req.base}/api/v1/users/${callerOf(req).id}` } })),
  specRoute("getUser", ["tenant"], (req) => {
    const user = data(req).users.get(req.params[0]!);
    if (!user) throw qlikError(404, "USERS-404", "Not found", "User was not found.");
    return { status: 200, body: userJson(req, user) };
  }),
  specRoute("getUsers", ["tenant"], (req) => {
    let users = [...data(req).users.values()];
    const filter = req.query.get("filter");
    if (filter) {
      try {
        const node = parseScimFilter(filter);
        for (const c of scimAttributes(node)) {
          if (!userFilterAttributes.includes(c.attr)) throw new ScimSyntaxError(`users cannot be filtered by '${c.attr}' (${userFilterAttributes.join(", ")})`);
        }
        users = users.filter((u) => scimMatches(node, (a) => userAttribute(u, a)));
      } catch (e) {
        throw qlikError(400, "USERS-1", "Invalid filter", e instanceof ScimSyntaxError ? e.message : "bad filter");
      }
    }
    return { status: 200, body: paginate(req, users.map((u) => userJson(req, u)), "/api/v1/users") };
  }),
  specRoute("deleteUser", ["tenant"], (req) => {
    const user = data(req).users.get(req.params[0]!);
    if (!user) throw qlikError(404, "USERS-404", "Not found", "User was not found.");
    // The spec documents a 403 without its cases; the emulator refuses the one that is certain: the caller deleting its own user.
    if (user.id === callerOf(req).id) throw qlikError(403, "USERS-403", "Forbidden", "You cannot delete yourself.");
    data(req).users.delete(user.id);
    return { status: 204 };
  }),
  specRoute("deleteGroup", ["tenant"], (req) => {
    const id = req.params[0]!;
    if (!data(req).groups.delete(id)) throw qlikError(404, "GROUPS-404", "Not found", "Group ID not found.");
    // Its members no longer belong to it.
    for (const u of data(req).users.values()) u.groupIds = u.groupIds.filter((g) => g !== id);
    return { status: 204 };
  }),
];
