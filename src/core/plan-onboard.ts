// Dry run of onboarding: every step's plan in order, reads only; nothing is created or recorded.
import type { DeploymentAdapter, OnboardRequest, PlannedStep, StepFacts } from "../../adapters/port.ts";

export async function planOnboard(adapter: DeploymentAdapter, request: OnboardRequest): Promise<PlannedStep[]> {
  const facts: StepFacts = {};
  const plan: PlannedStep[] = [];
  for (const step of adapter.onboardSteps(request)) {
    const planned = await step.plan({ request, facts: { ...facts } });
    Object.assign(facts, planned.facts ?? {});
    plan.push(planned);
  }
  return plan;
}
