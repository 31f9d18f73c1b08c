// Health of one customer's tenant: its status on the register host, and whether its own host answers.
import { getMyTenant } from "@qlik/api/tenants";
import { notFound, type CustomerEnvironment, type HealthReport, type Verdict } from "../port.ts";
import { readTenant } from "./tenant-steps.ts";
import type { CloudContext } from "./cloud-adapter.ts";

export async function tenantHealth(cloud: CloudContext, env: CustomerEnvironment): Promise<HealthReport> {
  if (env.target.kind !== "cloud" || !env.tenantId) throw notFound(`${env.customer} has no Qlik Cloud tenant recorded`);
  const region = env.target.region;
  const reasons: string[] = [];
  let verdict: Verdict = "green";
  const worsen = (to: Verdict, reason: string) => {
    reasons.push(reason);
    if (to === "red" || (to === "amber" && verdict === "green")) verdict = to;
  };
  const tenant = await readTenant(cloud, region, env.tenantId);
  if (!tenant) worsen("red", `tenant ${env.tenantId} no longer exists`);
  else if (tenant.status === "disabled") worsen("red", `tenant is deactivated${tenant.estimatedPurgeDate ? `, purge on ${tenant.estimatedPurgeDate.slice(0, 10)}` : ""}`);
  else if (tenant.status === "deleted") worsen("red", "tenant was purged");
  else if (tenant.status === "user-access-disabled") worsen("red", "user access to the tenant is disabled");
  else {
    const host = env.hostname && tenant.hostnames.includes(env.hostname) ? env.hostname : tenant.hostnames[0]!;
    try {
      await cloud.caller.call(host, cloud.region(region), `reaching ${host}`, (hostConfig) => getMyTenant({ hostConfig, noCache: true }), "tier1");
    } catch (e) {
      worsen("red", `the tenant's host ${host} does not answer: ${(e as Error).message}`);
    }
    if (env.hostname && !tenant.hostnames.includes(env.hostname)) worsen("amber", `hostname alias ${env.hostname} is missing`);
  }
  return { customer: env.customer, verdict, reasons, checkedAt: new Date().toISOString() };
}
