/**
 * Follows one operation to its end through QueueEvents (works across processes): every progress
 * snapshot is handed to `onProgress`; resolves with the final snapshot when the job is done or
 * has failed for good.
 */
import { Job, type Queue, type QueueEvents } from "bullmq";
import { progressSchema, type OperationProgress } from "../core/operation-progress.ts";

export interface FollowResult {
  state: "completed" | "failed";
  progress?: OperationProgress;
  result?: unknown;
  error?: string;
}

export async function followJob(events: QueueEvents, queue: Queue, jobId: string, onProgress: (p: OperationProgress) => void): Promise<FollowResult> {
  await events.waitUntilReady();
  let last: OperationProgress | undefined;
  const seen = (data: unknown) => {
    const parsed = progressSchema.safeParse(data);
    if (!parsed.success) return;
    last = parsed.data;
    onProgress(parsed.data);
  };
  return new Promise<FollowResult>((resolve) => {
    const cleanup = () => {
      events.off("progress", onProgressEvent);
      events.off("completed", onCompleted);
      events.off("failed", onFailed);
    };
    const finish = async (state: "completed" | "failed", error?: string) => {
      cleanup();
      const job = await Job.fromId(queue, jobId).catch(() => undefined);
      if (job?.progress) {
        const parsed = progressSchema.safeParse(job.progress);
        if (parsed.success && JSON.stringify(parsed.data) !== JSON.stringify(last)) seen(parsed.data);
      }
      resolve({ state, ...(last ? { progress: last } : {}), ...(job?.returnvalue !== undefined ? { result: job.returnvalue } : {}), ...(error ? { error } : {}) });
    };
    const onProgressEvent = ({ jobId: id, data }: { jobId: string; data: unknown }) => {
      if (id === jobId) seen(data);
    };
    const onCompleted = ({ jobId: id }: { jobId: string }) => {
      if (id === jobId) void finish("completed");
    };
    const onFailed = ({ jobId: id, failedReason }: { jobId: string; failedReason: string }) => {
      if (id === jobId) void finish("failed", failedReason);
    };
    events.on("progress", onProgressEvent);
    events.on("completed", onCompleted);
    events.on("failed", onFailed);
    // The job may have finished before we started listening.
    void Job.fromId(queue, jobId).then(async (job) => {
      if (!job) return finish("failed", `job ${jobId} does not exist`);
      const state = await job.getState();
      if (state === "completed") void finish("completed");
      else if (state === "failed") void finish("failed", job.failedReason);
    });
  });
}
