/**
 * Follows the sweeps a `health all` started to their ends (each with followJob's timeout), so a
 * surface that answers once (the shell, `qoem run`) can show the verdicts they produced rather than
 * the ones from before. Resolves with how many ended in each state.
 */
import type { Queue, QueueEvents } from "bullmq";
import { followJob, FOLLOW_TIMEOUT_MS } from "./follow-job.ts";

export interface SweepsOutcome {
  completed: number;
  failed: number;
  timeout: number;
  errors: string[];
}

/** A sweep of one region takes minutes at most under its rate limits; past this, the answer says so. */
export const SWEEP_FOLLOW_TIMEOUT_MS = Math.min(FOLLOW_TIMEOUT_MS, 15 * 60_000);

export async function followSweeps(sweeps: Queue, sweepEvents: QueueEvents, jobIds: readonly string[], timeoutMs = SWEEP_FOLLOW_TIMEOUT_MS): Promise<SweepsOutcome> {
  const results = await Promise.all(jobIds.map((id) => followJob(sweepEvents, sweeps, id, () => undefined, { timeoutMs })));
  const outcome: SweepsOutcome = { completed: 0, failed: 0, timeout: 0, errors: [] };
  for (const r of results) {
    outcome[r.state]++;
    if (r.state === "failed" && r.error) outcome.errors.push(r.error);
  }
  return outcome;
}
