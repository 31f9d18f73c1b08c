/**
 * Enqueues an operation, collapsing repeats: an onboard whose job is waiting or running answers
 * with that job; one that finished answers with its result; one that failed is resumed from its
 * checkpoint. Only a new job calls `beforeAdd` (the chat surface uses it to open its thread).
 */
import type { Queue } from "bullmq";
import { operationJobId, operationJobSchema, type OperationJob, type ReplyTo } from "./job-payload.ts";

export type EnqueueDisposition = "queued" | "running" | "done" | "resumed";

export interface EnqueueResult {
  jobId: string;
  disposition: EnqueueDisposition;
  /** The finished job's result, when it was already done. */
  result?: unknown;
}

export const OPERATION_ATTEMPTS = 6;

export async function enqueueOperation(
  queue: Queue,
  payload: Omit<OperationJob, "replyTo">,
  options: { beforeAdd?: () => Promise<ReplyTo | undefined>; rerunCompleted?: boolean } = {},
): Promise<EnqueueResult> {
  const jobId = operationJobId(payload);
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (state === "failed") {
      await existing.retry("failed");
      return { jobId, disposition: "resumed" };
    }
    if (state === "completed" && !options.rerunCompleted) return { jobId, disposition: "done", result: existing.returnvalue };
    if (state === "completed") await existing.remove();
    else return { jobId, disposition: "running" };
  }
  const replyTo = await options.beforeAdd?.();
  const data = operationJobSchema.parse(replyTo ? { ...payload, replyTo } : payload);
  const job = await queue.add(data.operation, data, {
    jobId,
    attempts: OPERATION_ATTEMPTS,
    backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
    removeOnComplete: { age: 7 * 86_400, count: 50_000 },
    removeOnFail: { age: 30 * 86_400, count: 50_000 },
  });
  // A concurrent request may have added the same id first: BullMQ then returns that job.
  const mine = (job.data as OperationJob).requestId === payload.requestId;
  return { jobId, disposition: mine ? "queued" : "running" };
}
