/**
 * The worker of the operations queue: validates the job, takes the customer's lock, hands the
 * job to core's runner, and turns adapter errors into queue behaviour: a rate limit pauses the
 * whole queue for Qlik's Retry-After without spending an attempt; a retryable error backs off and
 * retries; anything else fails at once. Progress goes to the job (QueueEvents) and, for jobs
 * with a chat thread, to the updates queue.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { toErrorData, type DeploymentAdapter, type Target } from "../../adapters/port.ts";
import type { CustomerRegistry } from "../core/customer-registry.ts";
import type { CustomerLock } from "../core/customer-lock.ts";
import { runOnboard } from "../core/run-onboard.ts";
import { planOnboard } from "../core/plan-onboard.ts";
import { checkpointSchema, type OperationProgress } from "../core/operation-progress.ts";
import { OPERATIONS_QUEUE, operationJobSchema, type OperationJob } from "./job-payload.ts";
import { publishUpdate } from "./publish-update.ts";

export interface OperationWorkerDeps {
  connection: Redis;
  prefix: string;
  adapterFor(target: Target): DeploymentAdapter;
  registry: CustomerRegistry;
  lock: CustomerLock;
  operations: Queue;
  updates: Queue;
  logger: Logger;
  concurrency?: number;
  /** Upper bound on operations started per second across all workers (BullMQ limiter). */
  limiter?: { max: number; duration: number };
  /** How long a job waits before trying a busy customer's lock again. */
  lockRetryMs?: number;
}

export function startOperationWorker(deps: OperationWorkerDeps): Worker {
  const report = async (job: Job, data: OperationJob, progress: OperationProgress) => {
    await job.updateProgress(progress);
    if (data.replyTo) await publishUpdate(deps.updates, job.id!);
  };

  const processor = async (job: Job, token?: string) => {
    const parsed = operationJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
    const data = parsed.data;
    const { command } = data;
    const log = deps.logger.child({ jobId: job.id, customer: command.customer, operation: data.operation });
    const request = { customer: command.customer, target: command.target, templates: command.templates, features: command.features };
    let adapter: DeploymentAdapter;
    try {
      adapter = deps.adapterFor(command.target);
    } catch (error) {
      throw new UnrecoverableError(toErrorData(error).message);
    }
    const where = command.target.kind === "cloud" ? command.target.region : command.target.site;

    if (data.operation === "plan") {
      try {
        const plan = await planOnboard(adapter, request);
        const steps = plan.map((p) => ({ id: p.id, title: p.title, state: "planned" as const, outcome: p.action, detail: p.detail }));
        await report(job, data, { operation: "plan", customer: command.customer, where, phase: "done", steps, summary: `Dry run: ${plan.filter((p) => p.action !== "none").length} of ${plan.length} steps would change something; nothing was changed.` });
        return { plan };
      } catch (error) {
        throw rethrow(error, log);
      }
    }

    const held = await deps.lock.acquire(command.customer, job.id!);
    if (!held) {
      log.info("customer busy; waiting for its lock");
      await report(job, data, { operation: "onboard", customer: command.customer, where, phase: "waiting", steps: [], note: `another operation on ${command.customer} is running; this one waits for it` });
      await job.moveToDelayed(Date.now() + (deps.lockRetryMs ?? 2000), token);
      throw new DelayedError();
    }
    try {
      const checkpoint = checkpointSchema.parse(data.checkpoint ?? {});
      const result = await runOnboard({
        request,
        adapter,
        registry: deps.registry,
        jobId: job.id!,
        requestedBy: data.requestedBy.user,
        checkpoint,
        attempt: job.attemptsMade + 1,
        saveCheckpoint: (cp) => job.updateData({ ...data, checkpoint: cp }),
        report: (p) => report(job, data, p),
      });
      log.info({ outcome: "done" }, "onboard finished");
      return result;
    } catch (error) {
      const err = toErrorData(error);
      const last = (job.progress ?? {}) as OperationProgress;
      if (err.code === "rate_limited") {
        const waitMs = err.retryAfterMs ?? 1000;
        log.warn({ waitMs }, "Qlik rate limit: pausing the operations queue");
        await report(job, data, { ...last, phase: "waiting", note: `Qlik's rate limit was reached; the queue pauses ${Math.ceil(waitMs / 1000)}s` });
        await deps.operations.rateLimit(waitMs);
        throw Worker.RateLimitError();
      }
      const attempts = job.opts.attempts ?? 1;
      const final = !err.retryable || job.attemptsMade + 1 >= attempts;
      const failedStep = last.steps?.find((s) => s.state === "failed");
      if (final) {
        await deps.registry.update(command.customer, { status: "onboard-failed", lastError: err.message });
        const stepText = failedStep ? `Step "${failedStep.title}" failed` : "The onboard failed";
        await report(job, data, {
          ...last,
          phase: "failed",
          note: `${stepText}: ${err.message}. ${err.retryable ? "Retries are used up. " : ""}Fix the cause, then send the same onboard command again to resume from this step.`,
        });
        log.error({ code: err.code, err: err.message }, "onboard failed");
        throw err.retryable ? error : new UnrecoverableError(err.message);
      }
      await report(job, data, { ...last, phase: "retrying", note: `${failedStep ? `"${failedStep.title}": ` : ""}${err.message}; retrying (attempt ${job.attemptsMade + 2} of ${attempts})` });
      log.warn({ code: err.code, err: err.message }, "onboard attempt failed; will retry");
      throw error;
    } finally {
      await held.release();
    }
  };

  return new Worker(OPERATIONS_QUEUE, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency ?? 8,
    ...(deps.limiter ? { limiter: deps.limiter } : {}),
  });
}

function rethrow(error: unknown, log: Logger): Error {
  const err = toErrorData(error);
  log.warn({ code: err.code, err: err.message }, "plan failed");
  return err.retryable ? (error as Error) : new UnrecoverableError(err.message);
}
