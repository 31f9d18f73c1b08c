/**
 * The operation runner for onboarding: drives the adapter's ordered steps, skips the ones an earlier
 * run finished with the same inputs (the checkpoint, kept with the customer), runs again the ones
 * whose inputs changed (a repeated onboard runs with the options given now), hands each step the
 * facts of the ones before it, keeps the registry in step, and reports a progress snapshot after
 * every change. Between steps it checks that its execution still holds its fence, and every write
 * it makes is fenced, so a superseded execution stops and cannot overwrite its successor's work.
 */
import { permanent, type DeploymentAdapter, type OnboardRequest, type StepFacts } from "../../adapters/port.ts";
import type { CustomerRegistry } from "./customer-registry.ts";
import { whereOf } from "./customer-registry.ts";
import type { OperationProgress, StepState } from "./operation-progress.ts";
import type { OnboardCheckpoints } from "./onboard-checkpoint.ts";
import type { Fence } from "./execution-fence.ts";

export interface RunOnboardInput {
  request: OnboardRequest;
  adapter: DeploymentAdapter;
  registry: CustomerRegistry;
  checkpoints: OnboardCheckpoints;
  jobId: string;
  /** The request that queued this job (a repeated onboard is a new request under the same job id). */
  requestId: string;
  report(progress: OperationProgress): Promise<void>;
  attempt: number;
  /** This execution's fence (absent outside a worker, e.g. in a benchmark's direct call). */
  fence?: Fence;
  /** Throws `superseded` when the fence no longer holds. */
  assertCurrent(what: string): Promise<void>;
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
  const { request, adapter, registry, fence } = input;
  const where = whereOf(request.target);
  const steps = adapter.onboardSteps(request);
  const checkpoint = await input.checkpoints.load(request.customer, where);
  const facts: StepFacts = { ...checkpoint.facts };
  const inputsOf = (i: number) => steps[i]!.inputs?.(request) ?? "";
  const states: StepState[] = steps.map((s, i) => {
    const done = checkpoint.done[s.id];
    const holds = done && (done.inputs ?? "") === inputsOf(i);
    return holds ? { id: s.id, title: s.title, state: "done", outcome: done.outcome, detail: done.detail, durationMs: done.durationMs, resumed: true } : { id: s.id, title: s.title, state: "pending" };
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

  await input.assertCurrent("the onboard started");
  const record = await registry.get(request.customer);
  const hostnameOf = (f: StepFacts) => f.hostname ?? f.tenantHost;
  if (record?.status === "active" && record.completedRequestId === input.requestId) {
    // This very request already finished (its execution stopped between its last write and BullMQ hearing of it): nothing to do.
    const summary = `${request.customer} is onboarded on ${where}${hostnameOf(facts) ? `: https://${hostnameOf(facts)}` : ""}`;
    await input.report(snapshot("done", { summary, ...(hostnameOf(facts) ? { host: hostnameOf(facts) } : {}) }));
    return { customer: request.customer, where, facts, summary };
  }
  // The onboard was accepted with the customer claimed as onboarding by this job; if it was abandoned or claimed elsewhere since, this job has nothing to do.
  if (record && record.status !== "onboarding") throw permanent(`${request.customer} is ${record.status} now, so this onboard was cancelled; send the onboard again to start over`);
  // Every write holds only while the customer is still onboarding through this job.
  const expect = { status: "onboarding", lastJobId: input.jobId };
  const conditions = registry.conditions(request.customer, expect);
  await registry.update(request.customer, { lastError: "" }, fence, expect);
  const persistFacts = async (more: StepFacts) => {
    Object.assign(facts, more);
    checkpoint.facts = { ...facts };
    await input.checkpoints.save(request.customer, where, checkpoint, fence, conditions);
    const known: Record<string, string> = {};
    for (const k of registryFacts) if (facts[k]) known[k] = facts[k];
    if (Object.keys(known).length) await registry.update(request.customer, known, fence, expect);
  };

  for (const [i, step] of steps.entries()) {
    const state = states[i]!;
    if (state.state === "done") continue;
    await input.assertCurrent(`step "${step.title}"`);
    state.state = "running";
    await input.report(snapshot("running"));
    const started = Date.now();
    try {
      const outcome = await step.run({ request, facts: { ...facts }, checkpoint: persistFacts, ...(fence?.signal ? { signal: fence.signal } : {}) });
      const durationMs = Date.now() - started;
      Object.assign(state, { state: "done", outcome: outcome.outcome, detail: outcome.detail, durationMs });
      checkpoint.done[step.id] = { outcome: outcome.outcome, detail: outcome.detail, durationMs, inputs: inputsOf(i) };
      await persistFacts(outcome.facts ?? {});
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A rate limit is not a failure of the step: it runs again once the queue resumes. A superseded execution reports nothing.
      if (code === "rate_limited" || code === "superseded") Object.assign(state, { state: "pending" });
      else {
        Object.assign(state, { state: "failed", detail: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started });
        await input.report(snapshot("running"));
      }
      throw error;
    }
  }

  await input.assertCurrent("the onboard finished");
  // Finished: the facts stay (a later onboard adopts the same tenant), the finished steps do not, so
  // a repeated onboard of an active customer checks every step again.
  await input.checkpoints.save(request.customer, where, { facts: checkpoint.facts, done: {} }, fence, conditions);
  const hostname = hostnameOf(facts);
  await registry.update(request.customer, { status: "active", lastError: "", completedRequestId: input.requestId }, fence, expect);
  const summary = `${request.customer} is onboarded on ${where}${hostname ? `: https://${hostname}` : ""}`;
  await input.report(snapshot("done", { summary, ...(hostname ? { host: hostname } : {}) }));
  return { customer: request.customer, where, facts, summary };
}
