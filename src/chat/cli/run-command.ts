/**
 * `qoem run`: one command through the same dispatch and queue as Slack and the shell, waiting for
 * the operation it starts (an approve's too), printed as text or, with --json, as one JSON object per
 * line (`progress` events, then one `end`). The exit code says how it ended: 0 done, 1 failed or
 * refused (or still running when the wait ran out), 2 malformed.
 */
import type { Queue, QueueEvents } from "bullmq";
import { parseCommand, formatCommandError, type CommandError } from "../../commands/parse-command.ts";
import { dispatchParsed, type ChatAnswer, type DispatchDeps } from "../dispatch-command.ts";
import { followJob, type FollowResult } from "../../queue/follow-job.ts";
import { progressPrinter } from "../shell/shell-surface.ts";
import { renderResult, renderStillRunning } from "../render-text.ts";
import { describeSweeps, renderFleetHealth, summarizeFleetHealth } from "../render-fleet-health.ts";
import { followSweeps } from "../../queue/follow-sweeps.ts";

export const exitCodes = { done: 0, failed: 1, refused: 1, timeout: 1, malformed: 2 } as const;
export type RunOutcome = keyof typeof exitCodes;

export interface RunCommandOptions {
  text: string;
  /** The acting user (`--as`), as roles and approvals see them. */
  user: string;
  json: boolean;
  /** One line of output (stdout). */
  write(line: string): void;
  /** One line of diagnostics (stderr). */
  writeError(line: string): void;
  followTimeoutMs?: number;
}

export interface RunTarget {
  dispatch: DispatchDeps;
  events: QueueEvents;
  operations: Queue;
  sweeps: Queue;
  sweepEvents: QueueEvents;
}

/** The last JSON line of every run, whatever the outcome. */
export function endEvent(outcome: RunOutcome, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { event: "end", ok: outcome === "done", outcome, exitCode: exitCodes[outcome], ...fields };
}

export async function runCommand(target: RunTarget, options: RunCommandOptions): Promise<number> {
  const json = (value: unknown) => options.write(JSON.stringify(value));
  const end = (outcome: RunOutcome, fields: Record<string, unknown>, text?: string): number => {
    if (options.json) json(endEvent(outcome, fields));
    else if (text !== undefined) (outcome === "done" ? options.write : options.writeError)(text);
    return exitCodes[outcome];
  };
  const refused = (outcome: "malformed" | "refused", error: CommandError) =>
    end(outcome, { error: error.reason, usage: error.usage, ...(error.command ? { command: error.command } : {}) }, formatCommandError(error));

  const parsed = parseCommand(options.text, target.dispatch.parseContext);
  if (!parsed.ok) return refused("malformed", parsed.error);
  const answer = await dispatchParsed(parsed.command, { text: options.text, user: options.user, surface: "cli" }, target.dispatch);

  const follow = async (jobId: string, operation: string, said: string): Promise<number> => {
    if (!options.json) options.write(said);
    const print = progressPrinter(options.write);
    const isOnboard = operation === "onboard";
    const outcome: FollowResult = await followJob(
      target.events,
      target.operations,
      jobId,
      (p) => (options.json ? json({ event: "progress", ...p }) : isOnboard ? print(p) : undefined),
      options.followTimeoutMs !== undefined ? { timeoutMs: options.followTimeoutMs } : {},
    );
    const fields = { operation, jobId, ...(outcome.result !== undefined ? { result: outcome.result } : {}), ...(outcome.error ? { error: outcome.error } : {}) };
    // The operation goes on in the worker after a timeout; this run only stops waiting for it.
    if (outcome.state === "timeout") return end("timeout", fields, renderStillRunning(jobId, outcome.progress));
    if (outcome.state === "failed") {
      // An onboard's printed steps already end with the failed one and what to do next.
      const shown = isOnboard && outcome.progress?.phase === "failed";
      return end("failed", fields, shown ? undefined : (outcome.progress?.note ?? `failed: ${outcome.error ?? "unknown error"}`));
    }
    return end("done", fields, isOnboard ? undefined : (renderResult(operation, outcome.result) ?? outcome.progress?.summary ?? "done"));
  };

  // `health all` answers with the verdicts its sweeps produce, not the ones from before them.
  if (answer.kind === "fleet" && answer.jobIds.length) {
    const sweeps = await followSweeps(target.sweeps, target.sweepEvents, answer.jobIds, options.followTimeoutMs);
    const fleet = target.dispatch.fleet;
    const text = renderFleetHealth(await summarizeFleetHealth(fleet.history.scanLatest(), await fleet.history.lastSweepAt(), await fleet.deployments?.()), describeSweeps(sweeps));
    const outcome: RunOutcome = sweeps.failed ? "failed" : sweeps.timeout ? "timeout" : "done";
    return end(outcome, { command: answer.command.name, jobIds: answer.jobIds, sweeps, text }, text);
  }
  return settle(answer, follow, end, refused);
}

type End = (outcome: RunOutcome, fields: Record<string, unknown>, text?: string) => number;

function settle(answer: ChatAnswer, follow: (jobId: string, operation: string, said: string) => Promise<number>, end: End, refused: (o: "refused", e: CommandError) => number): Promise<number> | number {
  switch (answer.kind) {
    case "error":
      // Parsed, then turned down: a role, the customer's state, a guardrail.
      return refused("refused", answer.error);
    case "operation":
      if (answer.disposition === "done") return end("done", { command: answer.command.name, jobId: answer.jobId, text: answer.text }, answer.text);
      return follow(answer.jobId, answer.command.name, answer.text);
    case "decision":
      if (!answer.decision.ok) return end("refused", { command: answer.command.name, error: answer.decision.message, code: answer.decision.code }, answer.text);
      // An approval starts the operation it approved: wait for it like any other.
      if (answer.jobId) return follow(answer.jobId, answer.decision.approval.operation, answer.text);
      return end("done", { command: answer.command.name, approvalId: answer.decision.approval.id, status: answer.decision.approval.status, text: answer.text }, answer.text);
    case "approval":
      return end("done", { command: answer.command.name, approvalId: answer.approval.id, created: answer.created, text: answer.text }, answer.text);
    case "fleet":
      return end("done", { command: answer.command.name, jobIds: answer.jobIds, text: answer.text }, answer.text);
    case "info":
      return end("done", { ...(answer.command ? { command: answer.command.name } : {}), text: answer.text }, answer.text);
  }
}
