/**
 * The local shell surface (Hubot's shell adapter, for qoem): a prompt where the same commands as
 * in Slack go through the same parser, queue and worker, with progress printed as text.
 * `as <user>` switches the acting user, so flows that need a second person can be tried alone.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Queue, QueueEvents } from "bullmq";
import { describeSweeps, renderFleetHealth, summarizeFleetHealth } from "../render-fleet-health.ts";
import { followSweeps } from "../../queue/follow-sweeps.ts";
import { formatCommandError } from "../../commands/parse-command.ts";
import { dispatchCommand, type DispatchDeps } from "../dispatch-command.ts";
import { followJob } from "../../queue/follow-job.ts";
import { renderResult, renderStep, renderStillRunning } from "../render-text.ts";
import type { OperationProgress } from "../../core/operation-progress.ts";

export interface ShellOptions {
  input: Readable;
  output: Writable;
  dispatch: DispatchDeps;
  events: QueueEvents;
  operations: Queue;
  sweeps?: Queue;
  sweepEvents?: QueueEvents;
  user?: string;
  /** How long the shell follows one operation before it gives the prompt back (default 30 min). */
  followTimeoutMs?: number;
}

/** Prints each step line when it changes, and notes and the summary once. */
export function progressPrinter(write: (line: string) => void) {
  const printed = new Map<string, string>();
  let lastNote: string | undefined;
  return (p: OperationProgress) => {
    for (const step of p.steps) {
      const line = renderStep(step);
      if (step.state === "pending" || printed.get(step.id) === line) continue;
      printed.set(step.id, line);
      write(`  ${line}`);
    }
    if (p.note && p.note !== lastNote) {
      lastNote = p.note;
      write(`  ${p.note}`);
    }
    if (p.summary && p.phase === "done") write(p.summary);
  };
}

export async function runShell(options: ShellOptions): Promise<void> {
  let user = options.user ?? "shell-user";
  const follow = options.followTimeoutMs === undefined ? {} : { timeoutMs: options.followTimeoutMs };
  const write = (text: string) => options.output.write(`${text}\n`);
  const rl = createInterface({ input: options.input, output: options.output, terminal: false });
  write(`qoem local shell. You are ${user}. Type 'help', or 'exit' to leave.`);
  const prompt = () => options.output.write("qoem> ");
  prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === "exit" || text === "quit") break;
    if (text === "") {
      prompt();
      continue;
    }
    const as = /^as\s+(\S+)$/.exec(text);
    if (as) {
      user = as[1]!;
      write(`You are now ${user}.`);
      prompt();
      continue;
    }
    try {
      const answer = await dispatchCommand({ text, user, surface: "shell" }, options.dispatch);
      if (answer.kind === "error") write(formatCommandError(answer.error));
      else {
        write(answer.text);
        if (answer.kind === "info" && answer.command?.name === "help" && !answer.command.topic) write("In this shell: as <user> acts as another user (to try approvals alone); exit leaves.");
        if (answer.kind === "fleet" && answer.jobIds.length) {
          const sweeps = await followSweeps(options.sweeps!, options.sweepEvents!, answer.jobIds);
          const fleet = options.dispatch.fleet;
          write(renderFleetHealth(await summarizeFleetHealth(fleet.history.scanLatest(), await fleet.history.lastSweepAt(), await fleet.deployments?.()), describeSweeps(sweeps)));
        }
        if (answer.kind === "decision" && answer.jobId) {
          const outcome = await followJob(options.events, options.operations, answer.jobId, () => undefined, follow);
          if (outcome.state === "timeout") write(renderStillRunning(answer.jobId, outcome.progress));
          else write(outcome.state === "completed" ? (renderResult("offboard", outcome.result) ?? "done") : (outcome.progress?.note ?? `failed: ${outcome.error ?? "unknown error"}`));
        }
        if (answer.kind === "operation" && answer.disposition !== "done") {
          const isOnboard = answer.command.name === "onboard";
          const outcome = await followJob(options.events, options.operations, answer.jobId, isOnboard ? progressPrinter(write) : () => undefined, follow);
          if (outcome.state === "timeout") write(renderStillRunning(answer.jobId, outcome.progress));
          else if (outcome.state === "failed" && !(isOnboard && outcome.progress?.phase === "failed")) write(outcome.progress?.note ?? `failed: ${outcome.error ?? "unknown error"}`);
          else if (!isOnboard) write(renderResult(outcome.progress?.operation ?? answer.command.name, outcome.result) ?? outcome.progress?.summary ?? "done");
        }
      }
    } catch (error) {
      write(`error: ${(error as Error).message}`);
    }
    prompt();
  }
  rl.close();
}
