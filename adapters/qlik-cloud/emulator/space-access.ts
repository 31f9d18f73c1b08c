/**
 * Who may do what with a space and its apps in the emulated tenant: the space's owner holds every
 * role the space's type allows, a member the roles of its assignment, a tenant admin (every OAuth
 * client's bot user) sees every shared and managed space and its apps and manages members, but
 * exports, imports and publishes only where a role lets it (Qlik's help: "Shared space permissions
 * for administrators", "Managed space permissions for administrators"; the role sets per action
 * beyond those pages are the emulator's reading and stay unverified).
 */
import { qlikError } from "./http-kit.ts";
import type { EmuApp, EmuSpace, EmuUser, TenantData } from "./tenant-data.ts";
import type { EmuRequest } from "./route.ts";

/** The roles each space type accepts (RoleType's description in Qlik's specification). */
export const assignableRoles: Record<EmuSpace["type"], string[]> = {
  shared: ["codeveloper", "consumer", "dataconsumer", "facilitator", "producer"],
  managed: ["consumer", "contributor", "dataconsumer", "facilitator", "publisher", "basicconsumer"],
  data: ["consumer", "dataconsumer", "datapreview", "facilitator", "operator", "producer", "publisher"],
};

/** Roles that allow an action in a space, by type; the owner may always. */
const rolesFor = {
  /** Export an app of the space, create (import) an app in it, publish from it. */
  edit: { shared: ["producer", "facilitator"], managed: ["facilitator"], data: ["producer", "facilitator"] },
  /** Publish or republish an app to the space. */
  publishTo: { shared: [], managed: ["publisher"], data: ["publisher"] },
} as const;
export type SpaceAction = keyof typeof rolesFor;

const data = (req: EmuRequest): TenantData => req.state.dataOf(req.tenant!.id);

/** The user making the request: the person the token was issued to, else the bot user of the token's OAuth client in this tenant. */
export function callerOf(req: EmuRequest): EmuUser {
  const person = req.grant?.userId ? data(req).users.get(req.grant.userId) : undefined;
  return person ?? data(req).botFor(req.grant!.clientId);
}

export const isTenantAdmin = (user: EmuUser) => user.roles.includes("TenantAdmin");

/** The caller's roles in a space: all assignable ones for its owner, else those of its own assignment and of its groups' assignments. */
export function rolesIn(req: EmuRequest, space: EmuSpace, user = callerOf(req)): string[] {
  if (space.ownerId === user.id) return assignableRoles[space.type];
  const mine = (a: { type: string; assigneeId: string }) => (a.type === "user" && a.assigneeId === user.id) || (a.type === "group" && user.groupIds.includes(a.assigneeId));
  return [...new Set((data(req).assignments.get(space.id) ?? []).filter(mine).flatMap((a) => a.roles))];
}

/** Whether the caller sees the space at all (`GET /spaces`, `GET /spaces/{id}`). */
export function seesSpace(req: EmuRequest, space: EmuSpace): boolean {
  const user = callerOf(req);
  return isTenantAdmin(user) || rolesIn(req, space, user).length > 0;
}

/** Whether the caller sees the app in listings and may read it: a space it sees (admins: not open a managed space's app), or its own personal app. */
export function seesApp(req: EmuRequest, app: EmuApp, purpose: "list" | "open"): boolean {
  const user = callerOf(req);
  if (!app.spaceId) return app.ownerId === user.id;
  const space = data(req).spaces.get(app.spaceId);
  if (!space) return false;
  if (rolesIn(req, space, user).length > 0) return true;
  return isTenantAdmin(user) && (purpose === "list" || space.type !== "managed");
}

/** Refuses with 403 unless the caller's roles in the space allow the action. */
export function requireRole(req: EmuRequest, space: EmuSpace, action: SpaceAction, what: string): void {
  const roles = rolesIn(req, space);
  const allowed: readonly string[] = rolesFor[action][space.type];
  if (roles.some((r) => allowed.includes(r))) return;
  throw qlikError(403, "HTTP-403", "Forbidden", `${what} needs one of the roles ${allowed.join(", ") || "(none: owner only)"} in space '${space.name}'; the caller has ${roles.join(", ") || "no role there"}.`);
}

/** Refuses with 403 unless the caller may change the space's members: an admin, the owner or a facilitator. */
export function requireMemberManager(req: EmuRequest, space: EmuSpace): void {
  const user = callerOf(req);
  if (isTenantAdmin(user) || rolesIn(req, space, user).includes("facilitator") || space.ownerId === user.id) return;
  throw qlikError(403, "HTTP-403", "Forbidden", `The caller may not manage the members of space '${space.name}'.`);
}
