/**
 * The worker of the operations queue: validates the job, takes the customer's lock for anything that
 * changes a customer, hands the job to core, and turns adapter errors into queue behaviour: a rate
 * limit pauses the whole queue for Qlik's Retry-After without spending an attempt; a retryable error
 * backs off and retries; anything else fails at once. Progress goes to the job (QueueEvents) and, for
 * jobs with a chat thread, to the updates queue.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { toErrorData, type DeploymentAdapter, type Target } from "../../adapters/port.ts";
import type { CustomerRegistry } from "../core/customer-registry.ts";
import type { CustomerLock } from "../core/customer-lock.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { Approvals } from "../core/approvals.ts";
import type { OperationProgress } from "../core/operation-progress.ts";
import type { OrgTenantView } from "../core/list-fleet.ts";
import { OPERATIONS_QUEUE, operationJobSchema, type OperationJob } from "./job-payload.ts";
import { publishUpdate } from "./publish-update.ts";
import { handleOperation } from "./handle-operation.ts";
import { customerOf } from "../commands/command-schema.ts";

export interface OperationWorkerDeps {
  connection: Redis;
  prefix: string;
  adapterFor(target: Target): DeploymentAdapter;
  /** The organisation-level tenant listing, where configured (fleet views). */
  listTenants?: (filter?: string) => Promise<OrgTenantView[]>;
  /** Hostnames that are not customers (the OEM's source tenant). */
  ignoreHosts?: string[];
  registry: CustomerRegistry;
  lock: CustomerLock;
  audit: AuditLog;
  /** Pending offboard approvals, shown in the fleet view. */
  approvals?: Approvals;
  operations: Queue;
  updates: Queue;
  logger: Logger;
  concurrency?: number;
  /** Upper bound on operations started per interval across all workers (BullMQ limiter). */
  limiter?: { max: number; duration: number };
  /** How long a job waits before trying a busy customer's lock again. */
  lockRetryMs?: number;
}

export type Report = (progress: OperationProgress) => Promise<void>;

const changesCustomer = new Set(["onboard", "reactivate", "offboard"]);

export function startOperationWorker(deps: OperationWorkerDeps): Worker {
  const processor = async (job: Job, token?: string) => {
    const parsed = operationJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
    const data: OperationJob = parsed.data;
    const customer = customerOf(data.command);
    const log = deps.logger.child({ jobId: job.id, customer, operation: data.operation });
    const report: Report = async (progress) => {
      await job.updateProgress(progress);
      if (data.replyTo) await publishUpdate(deps.updates, job.id!);
    };

    const held = customer && changesCustomer.has(data.operation) ? await deps.lock.acquire(customer, job.id!) : undefined;
    if (customer && changesCustomer.has(data.operation) && !held) {
      log.info("customer busy; waiting for its lock");
      await report({ operation: data.operation, customer, where: "", phase: "waiting", steps: [], note: `another operation on ${customer} is running; this one waits for it` });
      await job.moveToDelayed(Date.now() + (deps.lockRetryMs ?? 2000), token);
      throw new DelayedError();
    }
    const audit = (result: string, detail?: string) =>
      deps.audit
        .record({
          user: data.requestedBy.user,
          surface: data.requestedBy.surface,
          action: `${data.operation} run`,
          ...(customer ? { customer } : {}),
          result,
          jobId: job.id!,
          ...(data.approvalId ? { approvalId: data.approvalId } : {}),
          ...(detail ? { detail } : {}),
        })
        .catch((e: unknown) => log.warn({ err: (e as Error).message }, "could not write the audit entry"));
    try {
      const result = await handleOperation(job, data, deps, report);
      log.info({ outcome: "done" }, `${data.operation} finished`);
      if (data.operation !== "list" && data.operation !== "health" && data.operation !== "plan") await audit("completed");
      return result;
    } catch (error) {
      const err = toErrorData(error);
      const last = (job.progress ?? {}) as OperationProgress;
      if (err.code === "rate_limited") {
        const waitMs = err.retryAfterMs ?? 1000;
        log.warn({ waitMs }, "Qlik rate limit: pausing the operations queue");
        await report({ ...last, operation: data.operation, customer: customer ?? "", where: last.where ?? "", steps: last.steps ?? [], phase: "waiting", note: `Qlik's rate limit was reached; the queue pauses ${Math.ceil(waitMs / 1000)}s` });
        await deps.operations.rateLimit(waitMs);
        throw Worker.RateLimitError();
      }
      const attempts = job.opts.attempts ?? 1;
      const final = !err.retryable || job.attemptsMade + 1 >= attempts;
      const failedStep = last.steps?.find((s) => s.state === "failed");
      const base = { operation: data.operation, customer: customer ?? "", where: last.where ?? "", steps: last.steps ?? [] };
      if (final) {
        if (data.operation === "onboard" && customer) await deps.registry.update(customer, { status: "onboard-failed", lastError: err.message });
        const stepText = failedStep ? `Step "${failedStep.title}" failed` : `The ${data.operation} failed`;
        const next = data.operation === "onboard" ? "Fix the cause, then send the same onboard command again to resume from this step." : "Fix the cause and send the command again.";
        await report({ ...last, ...base, phase: "failed", note: `${stepText}: ${err.message}. ${err.retryable ? "Retries are used up. " : ""}${next}` });
        log.error({ code: err.code, err: err.message }, `${data.operation} failed`);
        await audit("failed", err.message);
        throw err.retryable ? error : new UnrecoverableError(err.message);
      }
      await report({ ...last, ...base, phase: "retrying", note: `${failedStep ? `"${failedStep.title}": ` : ""}${err.message}; retrying (attempt ${job.attemptsMade + 2} of ${attempts})` });
      log.warn({ code: err.code, err: err.message }, `${data.operation} attempt failed; will retry`);
      throw error;
    } finally {
      await held?.release();
    }
  };

  return new Worker(OPERATIONS_QUEUE, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency ?? 8,
    ...(deps.limiter ? { limiter: deps.limiter } : {}),
  });
}
