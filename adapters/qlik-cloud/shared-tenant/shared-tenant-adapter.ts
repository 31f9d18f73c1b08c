/**
 * The shared-tenant adapter: a customer is a group and two spaces in a Qlik Cloud tenant that up to
 * nine customers share, under the guardrails of Qlik's OEM guide (see guide-limits.ts). It runs on
 * the cloud adapter's context (one caller, one token cache, one template export) and reuses its
 * identity provider, spaces and templates steps on the shared tenant, its app export when a
 * customer grows out to its own tenant, and its template rollouts.
 */
import { unsupported, userError, type CustomerEnvironment, type DeploymentAdapter, type HealthReport, type OffboardResult, type OnboardRequest, type OnboardStep } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { spacesStep } from "../spaces-step.ts";
import { templateCheckStep, templatesStep } from "../templates-step.ts";
import { createSharedContext, type SharedContext, type SharedTenantAccess } from "./shared-context.ts";
import { sharedTenantSteps } from "./shared-tenant-steps.ts";
import { sharedTenantHealth } from "./shared-tenant-health.ts";
import { customerApps, removeSharedCustomer } from "./shared-tenant-offboard.ts";
import { sharedAppSource } from "./shared-app-source.ts";
import { sharedAppRollout } from "./shared-app-rollout.ts";

/** A step run with the tenant's templates when the request names none: every customer gets the same. */
function withOfferedTemplates(shared: SharedContext, step: OnboardStep): OnboardStep {
  const offered = (request: OnboardRequest): OnboardRequest => (request.templates.length ? request : { ...request, templates: shared.tenantOf(request.target).templates });
  return {
    ...step,
    inputs: (request) => step.inputs?.(offered(request)) ?? "",
    run: (ctx) => step.run({ ...ctx, request: offered(ctx.request) }),
    plan: (ctx) => step.plan({ ...ctx, request: offered(ctx.request) }),
  };
}

export type SharedTenantAdapter = DeploymentAdapter & {
  context: SharedContext;
  /** The customer's apps in both its spaces, by space (a move exports the production space's, through `apps`). */
  listCustomerApps(env: CustomerEnvironment): ReturnType<typeof customerApps>;
};

export function createSharedTenantAdapter(cloud: CloudContext, tenants: Record<string, SharedTenantAccess>): SharedTenantAdapter {
  const shared = createSharedContext(cloud, tenants);
  return {
    kind: "shared",
    context: shared,
    // A move's source only (growing out to an own tenant); no import: nobody is moved into a shared tenant.
    apps: sharedAppSource(shared),
    // Template rollouts: the cloud adapter's, on the shared tenant's host and the customer's own (marked) spaces.
    rollout: sharedAppRollout(shared),
    onboardSteps(request: OnboardRequest): OnboardStep[] {
      if (request.target.kind !== "shared") throw userError("the shared-tenant adapter only onboards to shared tenants");
      shared.tenantOf(request.target);
      return [
        ...(cloud.options.sourceTenant ? [withOfferedTemplates(shared, templateCheckStep(shared))] : []),
        ...sharedTenantSteps(shared),
        spacesStep(shared),
        withOfferedTemplates(shared, templatesStep(shared)),
      ];
    },
    health: (env: CustomerEnvironment): Promise<HealthReport> => sharedTenantHealth(shared, env),
    // The customer's content goes; the tenant stays (there is nothing to deactivate or purge).
    offboard: (env: CustomerEnvironment): Promise<OffboardResult> => removeSharedCustomer(shared, env),
    reactivate: async (env: CustomerEnvironment): Promise<OffboardResult> => {
      throw unsupported(`${env.customer}'s place in a shared tenant was removed at its offboard and cannot be reactivated; onboard it again`);
    },
    listCustomerApps: (env) => customerApps(shared, env),
    offerOf: (target) => {
      const t = shared.tenantOf(target);
      return { templates: t.templates, features: t.features };
    },
    close: async () => {},
  };
}
