/**
 * Enqueues an operation, collapsing repeats: an onboard whose job is waiting or running answers
 * with that job; one that finished answers with its result (or runs again when asked); one that
 * failed is replaced by a new job with the options given now, which resumes from the customer's
 * checkpoint (kept in core, not in the job). Only a new job calls `beforeAdd` (the chat surface uses
 * it to open its thread). Concurrent adds of one job id collapse through a short claim that is
 * dropped as soon as the job exists, so a later request never meets a stale claim.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { operationJobId, operationJobSchema, type OperationJob, type ReplyTo } from "./job-payload.ts";
import { evalScript } from "../core/eval-script.ts";

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
  options: { beforeAdd?: () => Promise<ReplyTo | undefined>; rerunCompleted?: boolean; delayMs?: number } = {},
): Promise<EnqueueResult> {
  const jobId = operationJobId(payload);
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (state === "completed" && !options.rerunCompleted) return { jobId, disposition: "done", result: existing.returnvalue };
    if (state !== "completed" && state !== "failed") return { jobId, disposition: "running" };
  }
  // One request wins the right to add this job; concurrent repeats collapse into it.
  const claimKey = `${queue.opts.prefix ?? "bull"}:${queue.name}:claim:${jobId}`;
  const claimed = await redis.set(claimKey, payload.requestId, "PX", CLAIM_TTL_MS, "NX");
  if (claimed !== "OK") return { jobId, disposition: "running" };
  try {
    // A finished or failed job of this id gives way to the new one (a failed onboard resumes from the customer's checkpoint).
    // Read again under the claim: another request may have added the job since the first look.
    const current = await queue.getJob(jobId);
    const previous = current ? await current.getState() : undefined;
    if (current && previous !== "completed" && previous !== "failed") return { jobId, disposition: "running" };
    if (current && previous === "completed" && !options.rerunCompleted) return { jobId, disposition: "done", result: current.returnvalue };
    if (current) await current.remove();
    const replyTo = await options.beforeAdd?.();
    const data = operationJobSchema.parse(replyTo ? { ...payload, replyTo } : payload);
    const job = await queue.add(data.operation, data, {
      jobId,
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      attempts: OPERATION_ATTEMPTS,
      backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
      removeOnComplete: { age: 7 * 86_400, count: 50_000 },
      removeOnFail: { age: 30 * 86_400, count: 50_000 },
    });
    return { jobId: job.id ?? jobId, disposition: previous === "failed" ? "resumed" : "queued" };
  } finally {
    await evalScript(redis, `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, claimKey, payload.requestId);
  }
}
