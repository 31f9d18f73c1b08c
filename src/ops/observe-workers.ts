// Records what this process's BullMQ workers do (queue waits, operation outcomes, step durations) from their events, without touching the workers' code.
import type { Job, Worker } from "bullmq";
import { progressSchema } from "../core/operation-progress.ts";
import { OPERATIONS_QUEUE } from "../queue/job-payload.ts";
import { recordOperation, recordQueueWait, recordStepDuration } from "./metrics.ts";

/** How long the job waited before its first start: from when it became due (creation plus delay). */
function firstWaitSeconds(job: Job): number | undefined {
  if (job.attemptsStarted > 1 || job.processedOn === undefined) return undefined;
  return (job.processedOn - job.timestamp - (job.opts.delay ?? 0)) / 1000;
}

/** BullMQ sets finishedOn only when a failed job will not run again (no attempt left, or unrecoverable). */
function failedForGood(job: Job): boolean {
  return job.finishedOn !== undefined || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** Starts recording for `worker`; returns a function that stops. */
export function observeWorker(worker: Worker): () => void {
  const queue = worker.name;
  const operations = queue === OPERATIONS_QUEUE;
  // Steps already recorded per running job: progress repeats every finished step each time.
  const recorded = new Map<string, Set<string>>();

  const onActive = (job: Job) => {
    const wait = firstWaitSeconds(job);
    if (wait !== undefined) recordQueueWait(queue, wait);
    if (operations && job.id) {
      if (recorded.size > 10_000) recorded.clear();
      recorded.set(job.id, new Set());
    }
  };
  const onProgress = (job: Job, progress: unknown) => {
    const parsed = progressSchema.safeParse(progress);
    if (!parsed.success || !job.id) return;
    const seen = recorded.get(job.id) ?? new Set<string>();
    recorded.set(job.id, seen);
    for (const step of parsed.data.steps) {
      if ((step.state !== "done" && step.state !== "failed") || step.durationMs === undefined || step.resumed || seen.has(step.id)) continue;
      seen.add(step.id);
      recordStepDuration(parsed.data.operation, step.id, step.state, step.durationMs / 1000);
    }
  };
  const onCompleted = (job: Job) => {
    recordOperation(job.name, "completed");
    if (job.id) recorded.delete(job.id);
  };
  const onFailed = (job: Job | undefined) => {
    if (!job) return;
    const final = failedForGood(job);
    recordOperation(job.name, final ? "failed" : "retried");
    if (job.id) recorded.delete(job.id);
  };

  worker.on("active", onActive);
  if (operations) {
    worker.on("progress", onProgress);
    worker.on("completed", onCompleted);
    worker.on("failed", onFailed);
  }
  return () => {
    worker.off("active", onActive);
    worker.off("progress", onProgress);
    worker.off("completed", onCompleted);
    worker.off("failed", onFailed);
  };
}
