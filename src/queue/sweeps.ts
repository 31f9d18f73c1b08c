/**
 * Health sweeps as BullMQ jobs: one persistent job scheduler per region and site (idempotent, so
 * every scheduler process may upsert them; they survive restarts), a worker that runs core's sweep
 * under a per-scope lock (never two sweeps of one region at once); after each sweep, every alert
 * waiting in the outbox gets a delivery job on the alerts queue, which the chat side turns into messages.
 */
import { DelayedError, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import { targetSchema } from "../commands/command-schema.ts";
import type { CustomerLock } from "../core/customer-lock.ts";
import { runSweep, scopeKey, scopeName, type SweepDeps, type SweepResult, type SweepScope } from "../core/run-sweep.ts";
import { enqueuePendingAlerts } from "./enqueue-alerts.ts";

export const SWEEPS_QUEUE = "sweeps";
export { ALERTS_QUEUE } from "./enqueue-alerts.ts";

const sweepJobSchema = z.object({ scope: targetSchema });

export async function upsertSweepSchedulers(sweeps: Queue, scopes: SweepScope[], everyMs: number): Promise<void> {
  for (const scope of scopes) {
    await sweeps.upsertJobScheduler(`sweep.${scopeKey(scope)}`, { every: everyMs }, { name: "sweep", data: { scope }, opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } } });
  }
}

/** Sweeps now (`health all`); one waiting or running manual sweep per scope at most. */
export async function triggerSweeps(sweeps: Queue, scopes: SweepScope[]): Promise<string[]> {
  const ids: string[] = [];
  for (const scope of scopes) {
    const job = await sweeps.add("sweep", { scope }, { deduplication: { id: `manual.${scopeKey(scope)}`, keepLastIfActive: true }, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } });
    ids.push(job.id!);
  }
  return ids;
}

export interface SweepWorkerDeps extends Omit<SweepDeps, "progress"> {
  connection: Redis;
  prefix: string;
  lock: CustomerLock;
  alerts: Queue;
  logger: Logger;
  concurrency?: number;
  /** Where each sweep records how many customers its place has (App Home's 24-hour trend). */
  trend?: { record(counts: Record<string, number>): Promise<void> };
}

export function startSweepWorker(deps: SweepWorkerDeps): Worker {
  const worker = new Worker(
    SWEEPS_QUEUE,
    async (job, token): Promise<SweepResult> => {
      const { scope } = sweepJobSchema.parse(job.data);
      const key = `sweep.${scopeKey(scope)}`;
      const held = await deps.lock.acquire(key, job.id!);
      if (!held) {
        // Another sweep of this scope is running: this one runs after it, never beside it.
        await job.moveToDelayed(Date.now() + 500, token);
        throw new DelayedError();
      }
      try {
        const started = Date.now();
        const result = await runSweep(scope, { ...deps, progress: (done, total, counts) => job.updateProgress({ scope: scopeKey(scope), done, total, counts }) });
        // This sweep's alerts and any still undelivered from before: each gets a live delivery job.
        const queued = await enqueuePendingAlerts(deps.alerts, deps.history.outbox);
        await deps.trend?.record({ [scopeName(scope)]: result.customers }).catch((e: unknown) => deps.logger.warn({ jobId: job.id, err: (e as Error).message }, "fleet trend not recorded"));
        if (result.unchecked) {
          // Once per sweep, not per customer: qoem's own trouble is not the customers' health.
          deps.logger.warn({ jobId: job.id, scope: result.scope, unchecked: result.unchecked.count, code: result.unchecked.code, reason: result.unchecked.reason }, "sweep could not check some customers: they are unknown");
        }
        deps.logger.info({ jobId: job.id, scope: result.scope, customers: result.customers, detailed: result.detailed, unknown: result.counts.unknown, alerts: result.alertCount, queued, ms: Date.now() - started }, "sweep finished");
        return result;
      } finally {
        await held.release();
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4 },
  );
  worker.on("failed", (job, error) => {
    const scope = sweepJobSchema.safeParse(job?.data);
    deps.logger.error({ jobId: job?.id, scope: scope.success ? scopeKey(scope.data.scope) : undefined, attempt: job?.attemptsMade, err: error.message }, "sweep failed");
  });
  return worker;
}
