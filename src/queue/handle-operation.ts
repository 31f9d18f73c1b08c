// One job, by operation: hands it to core's runner for that operation and returns the job's result.
import type { Job } from "bullmq";
import { runOnboard } from "../core/run-onboard.ts";
import { planOnboard } from "../core/plan-onboard.ts";
import { runAbandon, runOffboard, runReactivate, type LifecycleRun } from "../core/run-lifecycle.ts";
import { listFleet } from "../core/list-fleet.ts";
import { environmentOf, requireCustomer } from "../core/customer-environment.ts";
import { targetOf, whereOf } from "../core/customer-registry.ts";
import type { Fence } from "../core/execution-fence.ts";
import type { OperationJob } from "./job-payload.ts";
import type { OperationWorkerDeps, Report } from "./operation-worker.ts";
import { handleMove } from "./handle-move.ts";
import { checkMoveHealth } from "../core/check-move-health.ts";
import type { RolloutCommand } from "../commands/command-schema.ts";
import { runRollout } from "../core/run-rollout.ts";
import { rolloutVariables } from "../core/rollout-variables.ts";
import { sharedTenantsIn } from "../core/plan-rollout.ts";
import { RELOADS_PER_CUSTOMER, TIER2_PER_CUSTOMER, dryRunRollout } from "../core/dry-run-rollout.ts";

const perWindow = (ms: number) => (ms === 60_000 ? "a minute" : `per ${ms / 1000} s`);

/** A rollout's dry run, reported as one summary. */
async function planRollout(c: RolloutCommand, deps: OperationWorkerDeps, report: Report): Promise<unknown> {
  const where = `"${c.template}"`;
  await report({ operation: "rollout-plan", customer: "", where, phase: "running", steps: [] });
  const limits = deps.rolloutOptions?.limits;
  const plan = await dryRunRollout({ registry: deps.registry, adapterFor: deps.adapterFor, concurrency: Math.min(deps.rolloutOptions?.concurrency ?? 25, 64), ...(limits ? { limits } : {}), sharedTenantsIn: (region) => sharedTenantsIn(deps.rolloutOptions?.sharedTenantRegions, region) }, { template: c.template!, scope: c.scope ?? { kind: "all" }, canary: c.canary ?? deps.rolloutOptions?.canary ?? 5 });
  const few = (names: string[]) => (names.length > 20 ? `${names.slice(0, 20).join(", ")} and ${names.length - 20} more` : names.join(", ") || "none");
  const minutes = Math.max(1, Math.round(plan.estimatedSeconds / 60));
  const lines = [
    `Dry run of the rollout of "${plan.template}" to ${plan.scope}; nothing was changed.`,
    `Version now: ${Object.entries(plan.versions).map(([s, v]) => `${s} ${v}`).join(", ") || "none"}.`,
    `Would get the new version (${plan.wouldUpdate.length}): ${few(plan.wouldUpdate)}.`,
    `Already have it (${plan.alreadyCurrent.length}): ${few(plan.alreadyCurrent)}.`,
    `Without the template published (${plan.withoutTemplate.length}): ${few(plan.withoutTemplate)}.`,
    ...(plan.unreadable.length ? [`Could not be read (${plan.unreadable.length}): ${plan.unreadable.slice(0, 10).map((u) => `${u.customer} (${u.reason})`).join("; ")}.`] : []),
    `Waves: ${plan.waves.join(", ") || "none"}. About ${minutes} minute${minutes === 1 ? "" : "s"}: Qlik's rate limits count per tenant, so they do not slow a rollout across tenants; the waves (one after another) and the customers updated at once (${deps.rolloutOptions?.concurrency ?? 25}) set the pace.`,
    ...Object.entries(plan.sharedTenants).map(([tenant, n]) => `Shared tenant ${tenant}: its ${n} customer${n === 1 ? "" : "s"} go${n === 1 ? "es" : ""} in one wave and share its host's limits (${TIER2_PER_CUSTOMER * n} tier-2 calls and ${RELOADS_PER_CUSTOMER * n} reload${n === 1 ? "" : "s"}${limits?.tier2 ? ` against ${limits.tier2.max} tier-2 calls ${perWindow(limits.tier2.windowMs)}` : ""}${limits?.special ? ` and ${limits.special.max} reloads ${perWindow(limits.special.windowMs)}` : ""}), counted in the estimate.`),
  ];
  await report({ operation: "rollout-plan", customer: "", where, phase: "done", steps: [], summary: lines.join("\n") });
  return plan;
}

export interface Execution {
  fence?: Fence;
  /** The job's own lock (BullMQ's token): what an operation over many customers fences its writes with. */
  jobFence: Fence;
  assertCurrent(what: string): Promise<void>;
}

export async function handleOperation(job: Job, data: OperationJob, deps: OperationWorkerDeps, report: Report, execution: Execution): Promise<unknown> {
  const c = data.command;
  const adapterFor = deps.adapterFor;
  const lifecycleRun: LifecycleRun = { registry: deps.registry, checkpoints: deps.checkpoints, adapterFor, jobId: job.id!, assertCurrent: execution.assertCurrent, ...(execution.fence ? { fence: execution.fence } : {}) };
  switch (c.name) {
    case "onboard": {
      const request = { customer: c.customer, target: c.target, templates: c.templates, features: c.features };
      const adapter = adapterFor(c.target);
      if (c.dryRun) {
        const plan = await planOnboard(adapter, request);
        const steps = plan.map((p) => ({ id: p.id, title: p.title, state: "planned" as const, outcome: p.action, detail: p.detail }));
        const changing = plan.filter((p) => p.action === "create" || p.action === "update").length;
        await report({ operation: "plan", customer: c.customer, where: whereOf(c.target), phase: "done", steps, summary: `Dry run: ${changing} of ${plan.length} steps would change something; nothing was changed.` });
        return { plan };
      }
      return runOnboard({
        request,
        adapter,
        registry: deps.registry,
        checkpoints: deps.checkpoints,
        jobId: job.id!,
        requestId: data.requestId,
        attempt: job.attemptsMade + 1,
        report,
        assertCurrent: execution.assertCurrent,
        ...(execution.fence ? { fence: execution.fence } : {}),
      });
    }
    case "health": {
      if (!("customer" in c.scope)) throw new Error("fleet health runs as sweeps, not as an operation");
      const record = await requireCustomer(deps.registry, c.scope.customer);
      const where = whereOf(targetOf(record));
      await report({ operation: "health", customer: record.customer, where, phase: "running", steps: [] });
      const move = deps.moves && (record.status === "moving" || record.status === "move-failed") ? await deps.moves.get(record.customer) : undefined;
      // A moving customer has two sides until its source is removed: both are checked.
      const both = move && (move.phase === "approved" || move.phase === "building" || move.phase === "moved");
      const health = both ? await checkMoveHealth(record, move, adapterFor) : await adapterFor(targetOf(record)).health(environmentOf(record));
      await report({ operation: "health", customer: record.customer, where, phase: "done", steps: [], summary: `${record.customer}: ${health.verdict}${health.reasons.length ? ` (${health.reasons.join("; ")})` : ""}` });
      return health;
    }
    case "reactivate": {
      const result = await runReactivate(lifecycleRun, c.customer);
      await report({ operation: "reactivate", customer: c.customer, where: "", phase: "done", steps: [], summary: result.detail });
      return result;
    }
    case "offboard": {
      const result = await runOffboard(lifecycleRun, c.customer, c.purgeAfterDays);
      const summary = `${result.detail}${result.purgeDate ? `; purge on ${result.purgeDate.slice(0, 10)}` : ""}`;
      await report({ operation: "offboard", customer: c.customer, where: "", phase: "done", steps: [], summary });
      return result;
    }
    case "abandon": {
      const result = await runAbandon(lifecycleRun, c.customer);
      const summary = `${c.customer}'s onboard is abandoned: ${result.detail}${result.purgeDate ? `; purge on ${result.purgeDate.slice(0, 10)}` : ""}. ${c.customer} may be onboarded again, anywhere.`;
      await report({ operation: "abandon", customer: c.customer, where: "", phase: "done", steps: [], summary });
      return { ...result, status: "removed" };
    }
    case "rollout": {
      if (data.operation === "rollout-plan") return planRollout(c, deps, report);
      const { rollouts, rolloutOptions } = deps;
      if (!rollouts || !rolloutOptions) throw new Error("rollouts are not wired into this worker");
      return runRollout(
        {
          store: rollouts,
          registry: deps.registry,
          lock: deps.lock,
          adapterFor,
          jobId: job.id!,
          jobFence: execution.jobFence,
          variables: (record) => rolloutVariables(record, rolloutOptions.variables),
          concurrency: rolloutOptions.concurrency,
          report,
          alert: (text) => deps.alertRollout?.(c.rolloutId!, text) ?? Promise.resolve(),
          recordOutcome: (customer, state, detail) =>
            deps.audit.record({ user: data.requestedBy.user, surface: data.requestedBy.surface, action: `rollout ${c.rolloutId} run`, customer, result: state, jobId: job.id!, ...(detail ? { detail } : {}) }),
        },
        c.rolloutId!,
      );
    }
    case "list": {
      const pending = deps.approvals ? await deps.approvals.listPending() : [];
      const view = await listFleet(deps, { ...(c.region ? { where: c.region } : {}), ...(c.status ? { status: c.status } : {}) }, deps.ignoreHosts, pending, deps.sharedTenants);
      await report({ operation: "list", customer: "", where: c.region ?? "all", phase: "done", steps: [], summary: `${view.total} customers` });
      return view;
    }
    case "move":
      return handleMove(job, data, c, deps, report, execution);
    default:
      throw new Error(`${c.name} is not an operation`);
  }
}
