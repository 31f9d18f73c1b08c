/**
 * What every chat surface does with a line of command text: parse it, answer read-only commands
 * from the registry, and enqueue operations. It never calls Qlik; a malformed command enqueues
 * nothing and changes nothing.
 */
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { parseCommand, type CommandError, type ParseContext } from "../commands/parse-command.ts";
import { helpText, usage } from "../commands/help-text.ts";
import { operationOf } from "../queue/job-payload.ts";
import type { Command, OnboardCommand } from "../commands/command-schema.ts";
import { targetOf, whereOf, type CustomerRegistry } from "../core/customer-registry.ts";
import { enqueueOperation, type EnqueueDisposition } from "../queue/enqueue-operation.ts";
import type { ReplyTo } from "../queue/job-payload.ts";
import { renderCustomer } from "./render-text.ts";

export type Surface = "slack" | "shell" | "cli";

export interface ChatRequest {
  text: string;
  user: string;
  surface: Surface;
}

export type ChatAnswer =
  | { kind: "error"; error: CommandError }
  | { kind: "info"; command?: Command; text: string }
  | { kind: "operation"; command: Command; jobId: string; disposition: EnqueueDisposition; text: string };

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
    case "list":
      return enqueue(command, req, deps, "Listing the fleet");
    case "health": {
      if (!("customer" in command.scope)) return { kind: "info", command, text: "`health all` is understood, but fleet health sweeps are not built yet; try /qoem health <customer>." };
      const record = await deps.registry.get(command.scope.customer);
      if (!record) return unknownCustomer(command.scope.customer, "health");
      return enqueue(command, req, deps, `Checking the health of ${record.customer}`);
    }
    case "reactivate": {
      const record = await deps.registry.get(command.customer);
      if (!record) return unknownCustomer(command.customer, "reactivate");
      if (record.status !== "deactivated") {
        return { kind: "error", error: { reason: `${command.customer} is ${record.status}; only a deactivated customer can be reactivated`, usage: usage.reactivate, command: "reactivate" } };
      }
      return enqueue(command, req, deps, `Reactivating ${command.customer}`);
    }
    case "onboard":
      return onboard(command, req, deps, hooks);
    default:
      return { kind: "info", command, text: `\`${command.name}\` is understood, but ${notYet[command.name]}; nothing was done.` };
  }
}

function unknownCustomer(customer: string, name: Command["name"]): ChatAnswer {
  return { kind: "error", error: { reason: `qoem knows no customer named ${customer}`, usage: usage[name], command: name } };
}

async function enqueue(command: Command, req: ChatRequest, deps: DispatchDeps, what: string): Promise<ChatAnswer> {
  const operation = operationOf(command)!;
  const result = await enqueueOperation(
    deps.operations,
    deps.redis,
    { requestId: randomUUID(), operation, command, requestedBy: { user: req.user, surface: req.surface }, requestedAt: new Date().toISOString() },
    { rerunCompleted: true },
  );
  const text = result.disposition === "running" ? `${what}: already under way (job ${result.jobId}).` : `${what}… (job ${result.jobId})`;
  return { kind: "operation", command, jobId: result.jobId, disposition: result.disposition === "done" ? "queued" : result.disposition, text };
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
