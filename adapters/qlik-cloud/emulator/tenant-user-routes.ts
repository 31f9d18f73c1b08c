// Tenant-host endpoints for users: `users/me` as the redirect Qlik documents, and the user it leads to.
import { qlikError } from "./http-kit.ts";
import type { EmuRequest, Route } from "./route.ts";
import { specRoute } from "./spec-route.ts";
import { callerOf } from "./space-access.ts";
import type { EmuUser } from "./tenant-data.ts";

const userJson = (req: EmuRequest, u: EmuUser) => ({ ...u, links: { self: { href: `${req.base}/api/v1/users/${u.id}` } } });

export const tenantUserRoutes: Route[] = [
  // Qlik documents only a 301 to the caller's own user resource, which fetch follows.
  specRoute("getMyUser", ["tenant"], (req) => ({ status: 301, headers: { location: `${req.base}/api/v1/users/${callerOf(req).id}` } })),
  specRoute("getUser", ["tenant"], (req) => {
    const user = req.state.dataOf(req.tenant!.id).users.get(req.params[0]!);
    if (!user) throw qlikError(404, "USERS-404", "Not found", "User was not found.");
    return { status: 200, body: userJson(req, user) };
  }),
];
