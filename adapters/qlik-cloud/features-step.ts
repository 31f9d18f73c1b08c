/**
 * Onboarding step (only when `--features` asks for some): Qlik Cloud has no public API that
 * switches automation, alerting, reporting, AI or direct query on for a tenant; they come with the
 * licence. So this step checks the licence's parameters for each requested feature (on the OEM's
 * source tenant, whose licence new tenants get, before any tenant is created; without a source
 * tenant, on the new tenant) and fails with a clear reason when the licence lacks one, instead of
 * pretending to turn it on.
 */
import { getLicenseOverview } from "@qlik/api/licenses";
import { z } from "zod";
import { QoemError, type OnboardStep, type StepContext } from "../port.ts";
import { tenantHostOf } from "./settings-step.ts";
import type { CloudContext } from "./cloud-adapter.ts";

/** Licence parameter names that carry each feature (case-insensitive). */
export const featureParameters: Record<string, string[]> = {
  automation: ["automation", "automations"],
  alerting: ["alerting", "dataalerts"],
  reporting: ["reporting"],
  ai: ["ai", "insightadvisor", "qlikanswers"],
  "direct-query": ["directquery", "direct-query"],
};

const overviewSchema = z.object({ parameters: z.array(z.object({ name: z.string(), valid: z.union([z.string(), z.boolean()]).optional() }).passthrough()).default([]) });

async function checkLicensed(cloud: CloudContext, ctx: StepContext): Promise<void> {
  const source = cloud.options.sourceTenant;
  const host = source ? source.hostname : tenantHostOf(ctx);
  const creds = source ? cloud.region(source.region) : cloud.regionOf(ctx);
  const res = await cloud.caller.call(host, creds, "reading the licence", (hostConfig) => getLicenseOverview({ hostConfig, noCache: true }), "getLicenseOverview");
  const params = overviewSchema.parse(res.data).parameters.filter((p) => p.valid !== false && p.valid !== "false").map((p) => p.name.toLowerCase());
  const missing = ctx.request.features.filter((f) => !(featureParameters[f] ?? [f]).some((n) => params.includes(n)));
  if (missing.length) throw new QoemError("permanent", `the tenant's licence does not include ${missing.join(", ")}; Qlik Cloud has no API to switch features on, so ask Qlik to add them to the licence`);
}

export function featuresStep(cloud: CloudContext): OnboardStep {
  return {
    id: "features",
    title: "Check licensed features",
    inputs: (request) => request.features.join(","),
    async run(ctx) {
      await checkLicensed(cloud, ctx);
      return { outcome: "unchanged", detail: `${ctx.request.features.join(", ")} included in the licence`, facts: { features: ctx.request.features.join(",") } };
    },
    async plan(ctx) {
      // A dry run reads the licence too: a plan that would fail says so now. Without a source tenant
      // the licence is the new tenant's, which a dry run cannot read before the tenant exists.
      if (!cloud.options.sourceTenant && !ctx.facts.tenantId) return { id: "features", title: "Check licensed features", action: "none", detail: `check that the new tenant's licence includes ${ctx.request.features.join(", ")}` };
      await checkLicensed(cloud, ctx);
      return { id: "features", title: "Check licensed features", action: "none", detail: `${ctx.request.features.join(", ")} included in the licence` };
    },
  };
}
