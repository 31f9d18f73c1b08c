// One job, by operation: hands it to core's runner for that operation and returns the job's result.
import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { toErrorData, type DeploymentAdapter } from "../../adapters/port.ts";
import { runOnboard } from "../core/run-onboard.ts";
import { planOnboard } from "../core/plan-onboard.ts";
import { runOffboard, runReactivate } from "../core/run-lifecycle.ts";
import { listFleet } from "../core/list-fleet.ts";
import { environmentOf, requireCustomer } from "../core/customer-environment.ts";
import { targetOf, whereOf } from "../core/customer-registry.ts";
import { checkpointSchema } from "../core/operation-progress.ts";
import type { OperationJob } from "./job-payload.ts";
import type { OperationWorkerDeps, Report } from "./operation-worker.ts";

function adapterOrFail(deps: OperationWorkerDeps, target: Parameters<OperationWorkerDeps["adapterFor"]>[0]): DeploymentAdapter {
  try {
    return deps.adapterFor(target);
  } catch (error) {
    throw new UnrecoverableError(toErrorData(error).message);
  }
}

export async function handleOperation(job: Job, data: OperationJob, deps: OperationWorkerDeps, report: Report): Promise<unknown> {
  const c = data.command;
  switch (c.name) {
    case "onboard": {
      const request = { customer: c.customer, target: c.target, templates: c.templates, features: c.features };
      const adapter = adapterOrFail(deps, c.target);
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
        jobId: job.id!,
        requestedBy: data.requestedBy.user,
        checkpoint: checkpointSchema.parse(data.checkpoint ?? {}),
        attempt: job.attemptsMade + 1,
        saveCheckpoint: (cp) => job.updateData({ ...data, checkpoint: cp }),
        report,
      });
    }
    case "health": {
      if (!("customer" in c.scope)) throw new UnrecoverableError("fleet health sweeps are not built yet");
      const record = await requireCustomer(deps.registry, c.scope.customer);
      const where = whereOf(targetOf(record));
      await report({ operation: "health", customer: record.customer, where, phase: "running", steps: [] });
      const health = await adapterOrFail(deps, targetOf(record)).health(environmentOf(record));
      await report({ operation: "health", customer: record.customer, where, phase: "done", steps: [], summary: `${record.customer}: ${health.verdict}${health.reasons.length ? ` (${health.reasons.join("; ")})` : ""}` });
      return health;
    }
    case "reactivate": {
      const result = await runReactivate(deps.registry, (t) => adapterOrFail(deps, t), c.customer, job.id!);
      await report({ operation: "reactivate", customer: c.customer, where: "", phase: "done", steps: [], summary: result.detail });
      return result;
    }
    case "offboard": {
      const result = await runOffboard(deps.registry, (t) => adapterOrFail(deps, t), c.customer, c.purgeAfterDays, job.id!);
      const summary = `${result.detail}${result.purgeDate ? `; purge on ${result.purgeDate.slice(0, 10)}` : ""}`;
      await report({ operation: "offboard", customer: c.customer, where: "", phase: "done", steps: [], summary });
      return result;
    }
    case "list": {
      const pending = deps.approvals ? await deps.approvals.listPending() : [];
      const view = await listFleet(deps.registry, deps.listTenants, { ...(c.region ? { where: c.region } : {}), ...(c.status ? { status: c.status } : {}) }, deps.ignoreHosts, pending);
      await report({ operation: "list", customer: "", where: c.region ?? "all", phase: "done", steps: [], summary: `${view.rows.length} customers` });
      return view;
    }
    default:
      throw new UnrecoverableError(`${c.name} is not an operation`);
  }
}
