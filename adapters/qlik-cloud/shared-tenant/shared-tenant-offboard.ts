/**
 * Removing one customer from a shared tenant, and only that customer: the apps in its two spaces,
 * their assignments, the spaces, the anonymous users of its group (those in no other group), its group. Everything is found by the customer's names again, so a
 * retried offboard removes what is left and nothing else; the tenant and its other customers stay.
 */
import { deleteApp } from "@qlik/api/apps";
import { deleteGroup } from "@qlik/api/groups";
import { deleteUser } from "@qlik/api/users";
import { deleteSpace, deleteSpaceAssignment, getSpaceAssignments } from "@qlik/api/spaces";
import { z } from "zod";
import type { CustomerEnvironment, OffboardResult } from "../../port.ts";
import { listAll, validItems } from "../qlik-call.ts";
import { appsInSpace } from "../templates-step.ts";
import type { SharedContext } from "./shared-context.ts";
import { customerObjects } from "./customer-objects.ts";
import { isTenantAdmin, tenantUsers } from "./shared-tenant-steps.ts";

const assignmentSchema = z.object({ id: z.string() });

/** A delete that finds nothing (an earlier attempt got there) is done. */
async function gone(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    if ((e as { code?: string }).code !== "not_found") throw e;
  }
}

/** The customer's apps in both its spaces, by space. A move to its own tenant exports only the production space's (shared-app-source.ts). */
export async function customerApps(shared: SharedContext, env: CustomerEnvironment): Promise<Array<{ id: string; name: string; spaceId: string; space: "staging" | "production" }>> {
  const tenant = shared.tenantOf(env.target);
  const mine = await customerObjects(shared, tenant.hostname, tenant, env.customer);
  const out: Array<{ id: string; name: string; spaceId: string; space: "staging" | "production" }> = [];
  for (const [space, info] of [["staging", mine.staging], ["production", mine.production]] as const) {
    if (!info) continue;
    for (const app of await appsInSpace(shared, tenant.hostname, tenant, info.id)) out.push({ id: app.resourceId, name: app.name, spaceId: info.id, space });
  }
  return out;
}

export async function removeSharedCustomer(shared: SharedContext, env: CustomerEnvironment): Promise<OffboardResult> {
  const tenant = shared.tenantOf(env.target);
  const host = tenant.hostname;
  const mine = await customerObjects(shared, host, tenant, env.customer);
  const removed = { apps: 0, assignments: 0, spaces: 0, users: 0, groups: 0 };
  const kept: string[] = [];
  for (const space of [mine.production, mine.staging]) {
    if (!space) continue;
    for (const app of await appsInSpace(shared, host, tenant, space.id)) {
      await gone(() => shared.caller.call(host, tenant, `removing app ${app.name}`, (hostConfig) => deleteApp(app.resourceId, { hostConfig }), "deleteApp"));
      removed.apps++;
    }
    const assignments = validItems(await listAll(shared.caller, host, tenant, `reading the members of ${space.name}`, "getSpaceAssignments", (hostConfig, next) => getSpaceAssignments(space.id, { limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true })), assignmentSchema);
    for (const a of assignments) {
      await gone(() => shared.caller.call(host, tenant, `removing an assignment of ${space.name}`, (hostConfig) => deleteSpaceAssignment(space.id, a.id, { hostConfig }), "deleteSpaceAssignment"));
      removed.assignments++;
    }
    await gone(() => shared.caller.call(host, tenant, `removing space ${space.name}`, (hostConfig) => deleteSpace(space.id, { hostConfig }), "deleteSpace"));
    removed.spaces++;
  }
  if (mine.group) {
    // The customer's people leave with it (the guide: nothing of a customer stays in a shared tenant). The OEM's
    // admins and anyone who also belongs to another group stay: they are not this customer's alone.
    for (const user of await tenantUsers(shared, host, tenant, mine.group.id)) {
      if (isTenantAdmin(user) || (user.assignedGroups ?? []).some((g) => g.id !== mine.group!.id)) {
        kept.push(user.id);
        continue;
      }
      await gone(() => shared.caller.call(host, tenant, `removing user ${user.id}`, (hostConfig) => deleteUser(user.id, { hostConfig }), "deleteUser"));
      removed.users++;
    }
    await gone(() => shared.caller.call(host, tenant, `removing group ${mine.group!.name}`, (hostConfig) => deleteGroup(mine.group!.id, { hostConfig }), "deleteGroup"));
    removed.groups++;
  }
  return {
    status: "deleted",
    detail: `${env.customer} removed from shared tenant ${tenant.name}: ${removed.apps} apps, ${removed.assignments} assignments, ${removed.spaces} spaces, ${removed.users} users, ${removed.groups} group${kept.length ? `; kept ${kept.length} member${kept.length > 1 ? "s" : ""} of its group that ${kept.length > 1 ? "are admins or belong" : "is an admin or belongs"} to another group too (${kept.slice(0, 5).join(", ")})` : ""}; the tenant and its other customers stay`,
  };
}
