/**
 * Enqueues an operation, collapsing repeats: an onboard whose job is waiting or running answers
 * with that job; one that finished answers with its result; one that failed is resumed from its
 * checkpoint. Only a new job calls `beforeAdd` (the chat surface uses it to open its thread).
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { operationJobId, operationJobSchema, type OperationJob, type ReplyTo } from "./job-payload.ts";

export type EnqueueDisposition = "queued" | "running" | "done" | "resumed";

export interface EnqueueResult {
  jobId: string;
  disposition: EnqueueDisposition;
  /** The finished job's result, when it was already done. */
  result?: unknown;
}

export const OPERATION_ATTEMPTS = 6;
const CLAIM_TTL_MS = 15_000;

export async function enqueueOperation(
  queue: Queue,
  redis: Redis,
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
  // One request wins the right to add this job; concurrent repeats collapse into it.
  const claimed = await redis.set(`${queue.opts.prefix ?? "bull"}:${queue.name}:claim:${jobId}`, payload.requestId, "PX", CLAIM_TTL_MS, "NX");
  if (claimed !== "OK") return { jobId, disposition: "running" };
  const replyTo = await options.beforeAdd?.();
  const data = operationJobSchema.parse(replyTo ? { ...payload, replyTo } : payload);
  const job = await queue.add(data.operation, data, {
    jobId,
    attempts: OPERATION_ATTEMPTS,
    backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
    removeOnComplete: { age: 7 * 86_400, count: 50_000 },
    removeOnFail: { age: 30 * 86_400, count: 50_000 },
  });
  return { jobId: job.id ?? jobId, disposition: "queued" };
}
