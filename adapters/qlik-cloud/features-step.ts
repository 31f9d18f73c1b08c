/**
 * Onboarding step (only when `--features` asks for some): Qlik Cloud has no public API that
 * switches automation, alerting, reporting, AI or direct query on for a tenant; they come with the
 * licence. So this step checks the licence's parameters for each requested feature (on the OEM's
 * source tenant, whose licence new tenants get, before any tenant is created; without a source
 * tenant, on the new tenant) and fails with a clear reason when the licence lacks one, or when no
 * documented parameter lets it tell, instead of pretending to turn it on.
 */
import { getLicenseOverview } from "@qlik/api/licenses";
import { z } from "zod";
import { QoemError, type OnboardStep, type StepContext } from "../port.ts";
import { tenantHostOf } from "./settings-step.ts";
import type { CloudContext } from "./cloud-adapter.ts";

/**
 * The licence parameter sets (`LicenseOverview.parameters[].name`) known to carry each feature.
 * Only what Qlik documents: its specification's LicenseOverview example shows `qlikAlerting`
 * (values `saas_alerting`). For the others Qlik publishes no parameter name, so their presence
 * cannot be read from a licence: qoem says so instead of claiming the licence lacks them.
 */
export const featureParameters: Record<string, string[]> = {
  alerting: ["qlikAlerting"],
  automation: [],
  reporting: [],
  ai: [],
  "direct-query": [],
};

const parameterSchema = z.object({ name: z.string(), valid: z.string() }).passthrough();
const overviewSchema = z.object({ status: z.string(), parameters: z.array(z.unknown()).default([]) });

/** Whether an ISO 8601 interval of dates (`./.` open at both ends, `2025-01-01/2030-12-31`) holds today. */
function validToday(interval: string): boolean {
  const [from, to] = interval.split("/");
  const today = new Date().toISOString().slice(0, 10);
  return (!from || from === "." || from <= today) && (!to || to === "." || today <= to);
}

/** The licence's current parameter names (lower case), read on `host`; throws when the licence is not Ok. */
async function currentParameters(cloud: CloudContext, host: string, creds: ReturnType<CloudContext["region"]>): Promise<Set<string>> {
  const res = await cloud.caller.call(host, creds, "reading the licence", (hostConfig) => getLicenseOverview({ hostConfig, noCache: true }), "getLicenseOverview");
  const overview = overviewSchema.parse(res.data);
  if (overview.status !== "Ok") throw new QoemError("permanent", `the tenant's licence is ${overview.status}, so no feature can be offered under it; ask Qlik`);
  const parameters = overview.parameters.flatMap((p) => {
    const parsed = parameterSchema.safeParse(p);
    return parsed.success ? [parsed.data] : [];
  });
  return new Set(parameters.filter((p) => validToday(p.valid)).map((p) => p.name.toLowerCase()));
}

/** The features the source tenant's licence (which new tenants get) shows a current parameter for: what the onboarding form offers. */
export async function licensedFeatures(cloud: CloudContext): Promise<string[]> {
  const source = cloud.options.sourceTenant;
  if (!source) throw new QoemError("config_error", "cloud.sourceTenant is not configured, so there is no licence to read before a tenant exists");
  const current = await currentParameters(cloud, source.hostname, cloud.region(source.region));
  return Object.entries(featureParameters).filter(([, names]) => names.some((n) => current.has(n.toLowerCase()))).map(([feature]) => feature);
}

async function checkLicensed(cloud: CloudContext, ctx: StepContext): Promise<string> {
  const source = cloud.options.sourceTenant;
  const host = source ? source.hostname : tenantHostOf(ctx);
  const creds = source ? cloud.region(source.region) : cloud.regionOf(ctx);
  const current = await currentParameters(cloud, host, creds);
  const requested = ctx.request.features;
  const unknowable = requested.filter((f) => !(featureParameters[f] ?? []).length);
  const lacking = requested.filter((f) => (featureParameters[f] ?? []).length && !featureParameters[f]!.some((n) => current.has(n.toLowerCase())));
  const problems = [
    lacking.length && `the tenant's licence lacks ${lacking.join(", ")} (no current parameter ${lacking.flatMap((f) => featureParameters[f]!).join(" or ")}); ask Qlik to add ${lacking.length > 1 ? "them" : "it"} to the licence`,
    unknowable.length && `qoem cannot verify ${unknowable.join(", ")} from the licence (Qlik does not document which licence parameter carries ${unknowable.length > 1 ? "them" : "it"}); confirm with Qlik that the licence includes ${unknowable.length > 1 ? "them" : "it"}, then onboard without --features ${unknowable.join(",")}`,
  ].filter(Boolean);
  if (problems.length) throw new QoemError("permanent", `${problems.join("; ")}. Qlik Cloud has no API to switch features on: they come with the licence`);
  return requested.map((f) => `${f} (${featureParameters[f]!.find((n) => current.has(n.toLowerCase()))})`).join(", ");
}

export function featuresStep(cloud: CloudContext): OnboardStep {
  return {
    id: "features",
    title: "Check licensed features",
    inputs: (request) => request.features.join(","),
    async run(ctx) {
      const found = await checkLicensed(cloud, ctx);
      return { outcome: "unchanged", detail: `${found} in the licence`, facts: { features: ctx.request.features.join(",") } };
    },
    async plan(ctx) {
      // A dry run reads the licence too: a plan that would fail says so now. Without a source tenant
      // the licence is the new tenant's, which a dry run cannot read before the tenant exists.
      if (!cloud.options.sourceTenant && !ctx.facts.tenantId) return { id: "features", title: "Check licensed features", action: "none", detail: `check that the new tenant's licence includes ${ctx.request.features.join(", ")}` };
      const found = await checkLicensed(cloud, ctx);
      return { id: "features", title: "Check licensed features", action: "none", detail: `${found} in the licence` };
    },
  };
}
