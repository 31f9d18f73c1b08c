/**
 * Follows one operation to its end through QueueEvents (works across processes): every progress
 * snapshot is handed to `onProgress`; resolves with the final snapshot when the job is done or
 * has failed for good, or with state "timeout" when it has not ended within `timeoutMs` (the job
 * goes on; only the following stops). Its listeners are removed in every case.
 */
import { Job, type Queue, type QueueEvents } from "bullmq";
import { progressSchema, type OperationProgress } from "../core/operation-progress.ts";

/** How long a caller follows an operation by default before it says "still running". */
export const FOLLOW_TIMEOUT_MS = 30 * 60_000;

export interface FollowOptions {
  timeoutMs?: number;
}

export interface FollowResult {
  state: "completed" | "failed" | "timeout";
  progress?: OperationProgress;
  result?: unknown;
  error?: string;
}

export async function followJob(events: QueueEvents, queue: Queue, jobId: string, onProgress: (p: OperationProgress) => void, options: FollowOptions = {}): Promise<FollowResult> {
  const timeoutMs = options.timeoutMs ?? FOLLOW_TIMEOUT_MS;
  const startedAt = Date.now();
  // Even the event stream's connection waits no longer than the whole follow may.
  const ready = await Promise.race([
    events.waitUntilReady().then(() => true, () => false),
    new Promise<false>((r) => setTimeout(() => r(false), timeoutMs).unref()),
  ]);
  if (!ready) return { state: "timeout", error: `could not follow job ${jobId}: the queue's event stream did not connect within ${timeoutMs} ms; the job goes on` };
  const remainingMs = Math.max(0, timeoutMs - (Date.now() - startedAt));
  let last: OperationProgress | undefined;
  const seen = (data: unknown) => {
    const parsed = progressSchema.safeParse(data);
    if (!parsed.success) return;
    last = parsed.data;
    onProgress(parsed.data);
  };
  return new Promise<FollowResult>((resolve) => {
    let finished = false;
    const cleanup = () => {
      clearTimeout(timer);
      events.off("progress", onProgressEvent);
      events.off("completed", onCompleted);
      events.off("failed", onFailed);
    };
    const finish = async (state: FollowResult["state"], error?: string) => {
      if (finished) return;
      finished = true;
      cleanup();
      const job = await Job.fromId(queue, jobId).catch(() => undefined);
      if (job?.progress) {
        const parsed = progressSchema.safeParse(job.progress);
        if (parsed.success && JSON.stringify(parsed.data) !== JSON.stringify(last)) seen(parsed.data);
      }
      const reason = error ?? (state === "failed" ? job?.failedReason : undefined);
      resolve({ state, ...(last ? { progress: last } : {}), ...(job?.returnvalue !== undefined ? { result: job.returnvalue } : {}), ...(reason ? { error: reason } : {}) });
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
    const timer = setTimeout(() => {
      void Job.fromId(queue, jobId)
        .then((job) => job?.getState())
        .catch(() => undefined)
        .then((state) => finish("timeout", `job ${jobId} is still ${state ?? "running"} after ${timeoutMs} ms; it goes on, and its end is not followed here`));
    }, remainingMs);
    timer.unref?.();
    events.on("progress", onProgressEvent);
    events.on("completed", onCompleted);
    events.on("failed", onFailed);
    // The job may have finished before we started listening.
    void Job.fromId(queue, jobId).then(async (job) => {
      if (!job) return finish("failed", `job ${jobId} does not exist`);
      const state = await job.getState();
      if (state === "completed") void finish("completed");
      else if (state === "failed") void finish("failed", job.failedReason);
    }).catch(() => undefined); // Redis away: the events or the timer settle it.
  });
}
