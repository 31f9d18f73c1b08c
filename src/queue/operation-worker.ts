/**
 * The worker of the operations queue: validates the job, takes the customer's lock for this one
 * execution, hands the job to core, and turns every error into queue behaviour through one failure
 * path (`toQoemError`): a rate limit pauses the whole queue for Qlik's Retry-After without spending
 * an attempt; a retryable error backs off and retries; anything else fails at once, and the thread,
 * the registry and the audit log all hear the same outcome. An execution that lost its BullMQ lock or
 * its customer lock (a Redis outage, a stalled job run again) is `superseded`: it stops before its
 * next step, its late writes are refused by its fence, and it reports nothing.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { toQoemError, type DeploymentAdapter, type Target } from "../../adapters/port.ts";
import { whereOf, type CustomerRegistry, type CustomerStatus } from "../core/customer-registry.ts";
import type { CustomerLock, HeldLock } from "../core/customer-lock.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { Approvals } from "../core/approvals.ts";
import type { OperationProgress } from "../core/operation-progress.ts";
import type { TenantPages } from "../core/list-fleet.ts";
import type { TierLimits } from "../core/redis-rate-gate.ts";
import type { TenantIndex } from "../core/tenant-index.ts";
import type { OnboardCheckpoints } from "../core/onboard-checkpoint.ts";
import type { CustomerMoves } from "../core/customer-moves.ts";
import { assertFence, currentFence, fenceHolds, type Fence } from "../core/execution-fence.ts";
import { settleFailure } from "../core/run-lifecycle.ts";
import { customerStatuses } from "../core/customer-status.ts";
import { OPERATIONS_QUEUE, operationJobSchema, type OperationJob } from "./job-payload.ts";
import { publishUpdate } from "./publish-update.ts";
import { handleOperation } from "./handle-operation.ts";
import { customerOf } from "../commands/command-schema.ts";
import type { ApiNotifications, OperationEnded } from "./api-notifications.ts";
import type { RolloutStore } from "../core/rollout-store.ts";

export interface OperationWorkerDeps {
  connection: Redis;
  prefix: string;
  adapterFor(target: Target): DeploymentAdapter;
  /** The organisation-level tenant listing, where configured (fleet views). */
  listTenantPages?: TenantPages;
  /** A Redis index of tenant id -> customers for one fleet-wide run (`list`). */
  tenantIndex(run: string): TenantIndex;
  /** Hostnames that are not customers (the OEM's source tenant). */
  ignoreHosts?: string[];
  /** The shared tenants' names, for the places each has taken in `list`. */
  sharedTenants?: string[];
  registry: CustomerRegistry;
  checkpoints: OnboardCheckpoints;
  lock: CustomerLock;
  audit: AuditLog;
  /** Moves in progress (where from, where to, their checkpoints); absent: move jobs fail. */
  moves?: CustomerMoves;
  /** Days a moved customer's source waits for its removal when no approver approves it sooner (default 7). */
  moveGraceDays?: number;
  /** Pending approvals, shown in the fleet view; an offboard's approval says where a failure goes back to. */
  approvals?: Approvals;
  operations: Queue;
  updates: Queue;
  logger: Logger;
  concurrency?: number;
  /** Upper bound on operations started per interval across all workers (BullMQ limiter). */
  limiter?: { max: number; duration: number };
  /** Where the end of an operation the provisioning API started is announced (callbacks, a Slack line). */
  apiNotifications?: ApiNotifications;
  /** How long a job waits before trying a busy customer's lock again. */
  lockRetryMs?: number;
  /** BullMQ's job lock (ms); a job whose worker stops renewing it for this long is run again. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Template rollouts: their store, reload variables from the config, customers updated at once, the default canary, Qlik Cloud's per-host limits (a dry run's estimate). */
  rollouts?: RolloutStore;
  rolloutOptions?: { variables: Record<string, string>; concurrency: number; canary: number; limits?: TierLimits; sharedTenantRegions?: Record<string, string> };
  /** Tells the alerts channel that a rollout paused. */
  alertRollout?(rolloutId: string, text: string): Promise<void>;
}

export type Report = (progress: OperationProgress) => Promise<void>;

const changesCustomer = new Set(["onboard", "reactivate", "offboard", "abandon", "move", "move-back", "move-removal"]);

export function startOperationWorker(deps: OperationWorkerDeps): Worker {
  const redis = deps.connection;
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
    const delay = async (): Promise<never> => {
      try {
        await job.moveToDelayed(Date.now() + (deps.lockRetryMs ?? 2000), token);
      } catch (e) {
        // The job's lock is gone (another execution has the job, or Redis lost it in an outage and the stalled-job
        // check hands it back): there is nothing for this execution to hand back, and nothing for it to fail.
        log.warn({ err: (e as Error).message }, "could not put the job back to wait; it is no longer this execution's");
      }
      throw new DelayedError();
    };

    const changing = Boolean(customer) && changesCustomer.has(data.operation);
    const fence: Fence = { checks: token ? [{ key: `${deps.prefix}:${OPERATIONS_QUEUE}:${job.id}:lock`, value: token }] : [] };
    let held: HeldLock | undefined;
    if (changing) {
      held = await deps.lock.acquire(customer!, `${job.id}@${token ?? "-"}`);
      if (!held) {
        log.info("customer busy; waiting for its lock");
        await report({ operation: data.operation, customer: customer!, where: "", phase: "waiting", steps: [], note: `another operation on ${customer} is running; this one waits for it` });
        return await delay();
      }
      fence.checks.push({ key: held.key, value: held.value });
      fence.signal = held.signal;
    }
    const execution = { ...(changing ? { fence } : {}), jobFence: fence, assertCurrent: (what: string) => assertFence(redis, changing ? fence : undefined, what) };
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
    const announce = async (state: "completed" | "failed", error?: string) => {
      if (data.requestedBy.surface !== "api" || !deps.apiNotifications) return;
      const progress = (job.progress ?? {}) as Partial<OperationProgress>;
      const ended: OperationEnded = {
        event: state === "completed" ? "operation.completed" : "operation.failed",
        operation: { id: job.id!, operation: data.operation, customer: customer ?? "", ...(progress.where ? { where: progress.where } : {}), state, ...(progress.summary ? { summary: progress.summary } : {}), ...(error ? { error } : {}) },
        requestedBy: data.requestedBy.user,
        at: new Date().toISOString(),
      };
      await deps.apiNotifications.ended(ended).catch((e: unknown) => log.error({ err: (e as Error).message }, "could not queue the API callback"));
    };
    try {
      const run = () => handleOperation(job, data, deps, report, execution);
      const result = await (changing ? currentFence.run(fence, run) : run());
      log.info({ outcome: "done" }, `${data.operation} finished`);
      if (changing) await audit("completed");
      await announce("completed");
      return result;
    } catch (error) {
      const err = toQoemError(error);
      const last = (job.progress ?? {}) as Partial<OperationProgress>;
      const base = { operation: data.operation, customer: customer ?? "", where: last.where ?? "", steps: last.steps ?? [] };
      if (err.code === "superseded") {
        // Another execution owns this job or customer now: say nothing anywhere; if BullMQ still
        // counts this execution as the job's, hand the job back to wait for the customer's lock.
        log.warn({ code: err.code, err: err.message }, `${data.operation} stopped: superseded`);
        return await delay();
      }
      // A superseded execution whose call failed says nothing anywhere: the thread and the queue belong to its successor.
      if (changing && !(await fenceHolds(redis, fence).catch(() => false))) {
        log.warn({ code: err.code, err: err.message }, `${data.operation} stopped: superseded while failing`);
        return await delay();
      }
      if (err.code === "rate_limited") {
        const waitMs = err.retryAfterMs ?? 1000;
        log.warn({ waitMs }, "Qlik rate limit: pausing the operations queue");
        await report({ ...base, phase: "waiting", note: `Qlik's rate limit was reached; the queue pauses ${Math.ceil(waitMs / 1000)}s` });
        await deps.operations.rateLimit(waitMs);
        throw Worker.RateLimitError();
      }
      const attempts = job.opts.attempts ?? 1;
      const final = !err.retryable || job.attemptsMade + 1 >= attempts;
      const failedStep = last.steps?.find((s) => s.state === "failed");
      if (!final) {
        await report({ ...base, phase: "retrying", note: `${failedStep ? `"${failedStep.title}": ` : ""}${err.message}; retrying (attempt ${job.attemptsMade + 2} of ${attempts})` });
        log.warn({ code: err.code, err: err.message }, `${data.operation} attempt failed; will retry`);
        throw err;
      }
      // The failure is final whatever happens while it is recorded: each record is tried on its own, and the job fails for good.
      const attempt = (what: string, fn: () => Promise<unknown>) => fn().catch((e: unknown) => log.error({ err: (e as Error).message }, `could not record the failure: ${what}`));
      if (changing) {
        await attempt("registry", async () => {
          const previous = data.approvalId && deps.approvals ? (await deps.approvals.get(data.approvalId))?.previousStatus : undefined;
          const previousStatus = customerStatuses.find((s) => s === previous) as CustomerStatus | undefined;
          await settleFailure(deps.registry, data.operation, customer!, err.message, previousStatus);
        });
      }
      const stepText = failedStep ? `Step "${failedStep.title}" failed` : `The ${data.operation} failed`;
      await attempt("thread", () => report({ ...base, phase: "failed", note: `${stepText}: ${err.message} (${err.code}). ${err.retryable ? "Retries are used up. " : ""}${nextStepHint(data, customer)}` }));
      log.error({ code: err.code, err: err.message }, `${data.operation} failed`);
      if (changing) await audit("failed", `${err.code}: ${err.message}`);
      await attempt("callback", () => announce("failed", `${err.code}: ${err.message}`));
      throw new UnrecoverableError(`${err.code}: ${err.message}`);
    } finally {
      await held?.release().catch((e: unknown) => log.warn({ err: (e as Error).message }, "could not release the customer's lock; it expires on its own"));
    }
  };

  const worker = new Worker(OPERATIONS_QUEUE, processor, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency ?? 8,
    // A job may stall more than once over a long Redis outage; each time it resumes from its checkpoint.
    maxStalledCount: 5,
    ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
    ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
    ...(deps.limiter ? { limiter: deps.limiter } : {}),
  });
  return worker;
}

function nextStepHint(data: OperationJob, customer: string | undefined): string {
  const c = data.command;
  switch (data.operation) {
    case "onboard":
      return c.name === "onboard"
        ? `Fix the cause, then send /qoem onboard ${c.customer} ${whereOf(c.target)} again (with the options you want now) to resume, or /qoem abandon ${c.customer} to remove what it made.`
        : "";
    case "abandon":
      return `Fix the cause, then /qoem abandon ${customer} again, or /qoem onboard it again to finish it.`;
    case "offboard":
      return `${customer} is back to where it was before the request; fix the cause and ask for the offboard again.`;
    case "reactivate":
      return `${customer} stays deactivated; fix the cause and send /qoem reactivate ${customer} again.`;
    case "move":
      return c.name === "move" && c.to.kind === "cloud" ? `The source is untouched and still in use. Fix the cause, then send /qoem move ${customer} ${c.to.region} to resume, or /qoem move ${customer} back.` : "";
    case "move-back":
      return `Fix the cause and send /qoem move ${customer} back again.`;
    case "move-removal":
      return `The source stays and ${customer} stays moving; fix the cause, then send /qoem move ${customer} <target> to run the removal again, or /qoem move ${customer} back.`;
    default:
      return "Fix the cause and send the command again.";
  }
}
