/**
 * What every chat surface does with a line of command text: parse it, answer read-only commands
 * from the registry, and enqueue operations. It never calls Qlik; a malformed command enqueues
 * nothing and changes nothing.
 */
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { parseCommand, type CommandError, type ParseContext } from "../commands/parse-command.ts";
import { helpText } from "../commands/help-text.ts";
import type { Command, OnboardCommand } from "../commands/command-schema.ts";
import { targetOf, whereOf, type CustomerRegistry } from "../core/customer-registry.ts";
import { enqueueOperation, type EnqueueDisposition } from "../queue/enqueue-operation.ts";
import type { ReplyTo } from "../queue/job-payload.ts";
import { renderCustomer, renderCustomerList } from "./render-text.ts";

export type Surface = "slack" | "shell" | "cli";

export interface ChatRequest {
  text: string;
  user: string;
  surface: Surface;
}

export type ChatAnswer =
  | { kind: "error"; error: CommandError }
  | { kind: "info"; command?: Command; text: string }
  | { kind: "operation"; command: OnboardCommand; jobId: string; disposition: EnqueueDisposition; text: string };

export interface DispatchDeps {
  parseContext: ParseContext;
  registry: CustomerRegistry;
  operations: Queue;
  redis: Redis;
}

export interface DispatchHooks {
  /** Called only when a new job is about to be added; returns where its progress should go. */
  beforeAdd?(command: OnboardCommand): Promise<ReplyTo | undefined>;
}

const notYet: Partial<Record<Command["name"], string>> = {
  offboard: "offboards need a second person's approval, and approvals are not built yet",
  reactivate: "reactivation is not built yet",
  health: "health checks are not built yet",
  audit: "the audit log is not built yet",
};

export async function dispatchCommand(req: ChatRequest, deps: DispatchDeps, hooks: DispatchHooks = {}): Promise<ChatAnswer> {
  const parsed = parseCommand(req.text, deps.parseContext);
  if (!parsed.ok) return { kind: "error", error: parsed.error };
  const command = parsed.command;
  switch (command.name) {
    case "help":
      return { kind: "info", command, text: helpText(command.topic) };
    case "status": {
      const record = await deps.registry.get(command.customer);
      return { kind: "info", command, text: record ? renderCustomer(record) : `qoem knows no customer named ${command.customer}. Try /qoem list.` };
    }
    case "list": {
      const records = await deps.registry.list({ ...(command.region ? { where: command.region } : {}), ...(command.status ? { status: command.status } : {}) });
      return { kind: "info", command, text: renderCustomerList(records) };
    }
    case "onboard":
      return onboard(command, req, deps, hooks);
    default:
      return { kind: "info", command, text: `\`${command.name}\` is understood, but ${notYet[command.name]}; nothing was done.` };
  }
}

async function onboard(command: OnboardCommand, req: ChatRequest, deps: DispatchDeps, hooks: DispatchHooks): Promise<ChatAnswer> {
  const where = whereOf(command.target);
  const record = await deps.registry.get(command.customer);
  const live = record && record.status !== "removed";
  if (live && whereOf(targetOf(record)) !== where) {
    return {
      kind: "error",
      error: { reason: `${command.customer} already has an environment on ${whereOf(targetOf(record))}; a customer has exactly one`, usage: "status <customer>", command: "onboard" },
    };
  }
  const payload = {
    requestId: randomUUID(),
    operation: command.dryRun ? ("plan" as const) : ("onboard" as const),
    command,
    requestedBy: { user: req.user, surface: req.surface },
    requestedAt: new Date().toISOString(),
  };
  const rerunCompleted = !record || !["active", "onboarding"].includes(record.status);
  const result = await enqueueOperation(deps.operations, deps.redis, payload, {
    rerunCompleted,
    ...(hooks.beforeAdd ? { beforeAdd: () => hooks.beforeAdd!(command) } : {}),
  });
  const what = `${command.dryRun ? "dry run of onboard" : "onboard"} ${command.customer} → ${where}`;
  const text = {
    queued: `Queued ${what} (job ${result.jobId}).`,
    running: `${what} is already queued or running (job ${result.jobId}); not starting a second one.`,
    done: `${command.customer} is already onboarded on ${where} (job ${result.jobId}). Try /qoem status ${command.customer}.`,
    resumed: `Resuming the failed ${what} from its last finished step (job ${result.jobId}).`,
  }[result.disposition];
  return { kind: "operation", command, jobId: result.jobId, disposition: result.disposition, text };
}
