/**
 * Health of a customer in a shared tenant, with the guardrail drift the guide's configuration must
 * not lose: collaboration turned back on, another customer's group (or an outsider) assigned to its
 * spaces, a member with a real-looking e-mail address, more customers than the limit. Drift is red;
 * missing templates amber. Reasons name users by id, never by address.
 */
import { HealthFindings } from "../../health-findings.ts";
import { getMyTenant } from "@qlik/api/tenants";
import { getSpaceAssignments } from "@qlik/api/spaces";
import { getGroups } from "@qlik/api/groups";
import { z } from "zod";
import type { CustomerEnvironment, HealthReport } from "../../port.ts";
import { listAll, validItems } from "../qlik-call.ts";
import { appsInSpace } from "../templates-step.ts";
import type { SharedContext } from "./shared-context.ts";
import { allSpaces, customerObjects, customersIn, type SpaceInfo } from "./customer-objects.ts";
import { collaborationOn } from "./collaboration-settings.ts";
import { realLooking, tenantUsers } from "./shared-tenant-steps.ts";
import { SHARED_TENANT_LIMIT } from "./guide-limits.ts";

const assignmentSchema = z.object({ id: z.string(), type: z.string(), assigneeId: z.string() });
const groupSchema = z.object({ id: z.string(), name: z.string() });

export async function sharedTenantHealth(shared: SharedContext, env: CustomerEnvironment): Promise<HealthReport> {
  const tenant = shared.tenantOf(env.target);
  const host = tenant.hostname;
  const f = new HealthFindings();
  const report = (): HealthReport => f.report(env.customer);
  try {
    await shared.caller.call(host, tenant, `reaching ${host}`, (hostConfig) => getMyTenant({ hostConfig, noCache: true }), "getMyTenant");
  } catch (e) {
    f.add("red", `shared tenant ${tenant.name} (${host}) does not answer (${(e as Error).message})`);
    return report();
  }

  const { on } = await collaborationOn(shared, host, tenant);
  if (on.length) f.add("red", `guardrail drift: ${on.join(", ")} turned back on in shared tenant ${tenant.name}`);

  const spaces = await allSpaces(shared, host, tenant);
  const customers = customersIn(spaces);
  if (customers.length > SHARED_TENANT_LIMIT) f.add("red", `guardrail drift: shared tenant ${tenant.name} serves ${customers.length} customers, above the limit of ${SHARED_TENANT_LIMIT}`);

  const mine = await customerObjects(shared, host, tenant, env.customer, spaces);
  if (!mine.group) f.add("red", `group ${mine.names.group} is missing`);
  if (!mine.staging) f.add("red", `staging space ${mine.names.staging} is missing`);
  if (!mine.production) f.add("red", `production space ${mine.names.production} is missing`);

  const groupNames = new Map(validItems(await listAll(shared.caller, host, tenant, "listing groups", "getGroups", (hostConfig, next) => getGroups({ limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true })), groupSchema).map((g) => [g.id, g.name]));
  const members = mine.group ? await tenantUsers(shared, host, tenant, mine.group.id) : [];
  const memberIds = new Set(members.map((u) => u.id));
  for (const space of [mine.staging, mine.production].filter((s): s is SpaceInfo => Boolean(s))) {
    const assignments = validItems(await listAll(shared.caller, host, tenant, `reading the members of ${space.name}`, "getSpaceAssignments", (hostConfig, next) => getSpaceAssignments(space.id, { limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true })), assignmentSchema);
    for (const a of assignments) {
      if (a.type === "group" && a.assigneeId !== mine.group?.id) f.add("red", `guardrail drift: group ${groupNames.get(a.assigneeId) ?? a.assigneeId}, not ${env.customer}'s, is assigned to space ${space.name}`);
      else if (a.type === "user" && !memberIds.has(a.assigneeId)) f.add("red", `guardrail drift: user ${a.assigneeId}, outside ${env.customer}'s group, is assigned to space ${space.name}`);
    }
  }
  const real = members.filter((u) => realLooking(u.email, tenant.dummyEmailDomain));
  if (real.length) f.add("red", `guardrail drift: ${real.length} member${real.length > 1 ? "s" : ""} of ${mine.names.group} (${real.slice(0, 5).map((u) => u.id).join(", ")}) with a real-looking e-mail address (not @${tenant.dummyEmailDomain})`);

  if (mine.production) {
    const published = await appsInSpace(shared, host, tenant, mine.production.id);
    if (published.length === 0) f.add("amber", `no app is published to ${mine.names.production}`);
  }
  return report();
}
