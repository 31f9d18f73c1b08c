/**
 * The operation runner for onboarding: drives the adapter's ordered steps, skips the ones an
 * earlier attempt finished (the checkpoint), hands each step the facts of the ones before it,
 * keeps the registry in step, and reports a progress snapshot after every change.
 */
import type { DeploymentAdapter, OnboardRequest, StepFacts } from "../../adapters/port.ts";
import type { CustomerRegistry } from "./customer-registry.ts";
import { whereOf } from "./customer-registry.ts";
import type { Checkpoint, OperationProgress, StepState } from "./operation-progress.ts";

export interface RunOnboardInput {
  request: OnboardRequest;
  adapter: DeploymentAdapter;
  registry: CustomerRegistry;
  jobId: string;
  requestedBy: string;
  checkpoint: Checkpoint;
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  report(progress: OperationProgress): Promise<void>;
  attempt: number;
}

export interface OnboardSummary {
  customer: string;
  where: string;
  facts: StepFacts;
  summary: string;
}

/** Registry fields that onboarding facts fill in. */
const registryFacts = ["tenantId", "tenantHost", "hostname"] as const;

export async function runOnboard(input: RunOnboardInput): Promise<OnboardSummary> {
  const { request, adapter, registry, checkpoint } = input;
  const where = whereOf(request.target);
  const steps = adapter.onboardSteps(request);
  const facts: StepFacts = { ...checkpoint.facts };
  const states: StepState[] = steps.map((s) => {
    const done = checkpoint.done[s.id];
    return done ? { id: s.id, title: s.title, state: "done", outcome: done.outcome, detail: done.detail, durationMs: done.durationMs, resumed: true } : { id: s.id, title: s.title, state: "pending" };
  });
  const snapshot = (phase: OperationProgress["phase"], extra: Partial<OperationProgress> = {}): OperationProgress => ({
    operation: "onboard",
    customer: request.customer,
    where,
    phase,
    steps: states.map((s) => ({ ...s })),
    attempt: input.attempt,
    ...extra,
  });

  await registry.begin(request.customer, request.target, input.requestedBy, "onboarding", input.jobId);
  const persistFacts = async (more: StepFacts) => {
    Object.assign(facts, more);
    checkpoint.facts = { ...facts };
    await input.saveCheckpoint(checkpoint);
    const known: Record<string, string> = {};
    for (const k of registryFacts) if (facts[k]) known[k] = facts[k];
    if (Object.keys(known).length) await registry.update(request.customer, known);
  };

  for (const [i, step] of steps.entries()) {
    const state = states[i]!;
    if (state.state === "done") continue;
    state.state = "running";
    await input.report(snapshot("running"));
    const started = Date.now();
    try {
      const outcome = await step.run({ request, facts: { ...facts }, checkpoint: persistFacts });
      const durationMs = Date.now() - started;
      Object.assign(state, { state: "done", outcome: outcome.outcome, detail: outcome.detail, durationMs });
      checkpoint.done[step.id] = { outcome: outcome.outcome, detail: outcome.detail, durationMs };
      await persistFacts(outcome.facts ?? {});
    } catch (error) {
      // A rate limit is not a failure of the step: it runs again once the queue resumes.
      if ((error as { code?: string }).code === "rate_limited") Object.assign(state, { state: "pending" });
      else {
        Object.assign(state, { state: "failed", detail: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started });
        await input.report(snapshot("running"));
      }
      throw error;
    }
  }

  const hostname = facts.hostname ?? facts.tenantHost;
  await registry.update(request.customer, { status: "active", lastJobId: input.jobId });
  const summary = `${request.customer} is onboarded on ${where}${hostname ? `: https://${hostname}` : ""}`;
  await input.report(snapshot("done", { summary }));
  return { customer: request.customer, where, facts, summary };
}
