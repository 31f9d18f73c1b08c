/**
 * Health sweeps as BullMQ jobs: one persistent job scheduler per region and site (idempotent, so
 * every scheduler process may upsert them; they survive restarts), a worker that runs core's sweep
 * under a per-scope lock (never two sweeps of one region at once), and an alerts queue that the chat
 * side turns into messages.
 */
import { DelayedError, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import { targetSchema } from "../commands/command-schema.ts";
import type { CustomerLock } from "../core/customer-lock.ts";
import { runSweep, scopeKey, type AlertEvent, type SweepDeps, type SweepResult, type SweepScope } from "../core/run-sweep.ts";

export const SWEEPS_QUEUE = "sweeps";
export const ALERTS_QUEUE = "alerts";

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
}

export function startSweepWorker(deps: SweepWorkerDeps): Worker {
  return new Worker(
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
        const result = await runSweep(scope, { ...deps, progress: (done, total) => job.updateProgress({ scope: scopeKey(scope), done, total }) });
        for (const alert of result.alerts) await deps.alerts.add("alert", alert satisfies AlertEvent, { removeOnComplete: true, removeOnFail: { count: 1000 } });
        deps.logger.info({ scope: result.scope, customers: result.customers, detailed: result.detailed, alerts: result.alerts.length, ms: Date.now() - started }, "sweep finished");
        return result;
      } finally {
        await held.release();
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4 },
  );
}
