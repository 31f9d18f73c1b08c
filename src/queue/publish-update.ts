// Tells the chat side that an operation's snapshot changed. Coalesced: at most one update waiting
// and one running per operation; the updater reads the newest snapshot when it runs.
import type { Queue } from "bullmq";

export const publishUpdate = (updates: Queue, operationJobId: string) =>
  updates.add(
    "thread",
    { operationJobId },
    { deduplication: { id: operationJobId, keepLastIfActive: true }, removeOnComplete: true, removeOnFail: { count: 1000 } },
  );
