// Tells the chat side that an operation's snapshot changed. Coalesced: at most one update waiting
// and one running per operation; the updater reads the newest snapshot when it runs. Retried with
// back-off when Slack fails, so a thread's final summary is not lost to one failed call.
import type { Queue } from "bullmq";

export const publishUpdate = (updates: Queue, operationJobId: string) =>
  updates.add(
    "thread",
    { operationJobId },
    { deduplication: { id: operationJobId, keepLastIfActive: true }, attempts: 6, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
  );
