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
import { customerOf, type Command, type CommandName, type OnboardCommand } from "../commands/command-schema.ts";
import { whereOf, type CustomerRecord, type CustomerRegistry } from "../core/customer-registry.ts";
import { enqueueOperation, type EnqueueDisposition } from "../queue/enqueue-operation.ts";
import type { ReplyTo } from "../queue/job-payload.ts";
import { renderAudit, renderCustomer } from "./render-text.ts";
import type { AccessPolicy } from "../core/roles.ts";
import type { Approval, Approvals, DecisionResult } from "../core/approvals.ts";
import type { AuditEntry, AuditLog } from "../core/audit-log.ts";
import { decideRequest, requestRemoval } from "./approval-requests.ts";
import { lifecycleFactsOf, nextCommands } from "../core/customer-lifecycle.ts";
import { checkLifecycle } from "./check-lifecycle.ts";
import type { OnboardCheckpoints } from "../core/onboard-checkpoint.ts";
import type { HealthHistory } from "../core/health-history.ts";
import { renderFleetHealth, summarizeFleetHealth, type FleetHealthView } from "./render-fleet-health.ts";
import type { RedisAvailability } from "../queue/track-redis-state.ts";
import { withinRedisDeadline } from "./within-redis-deadline.ts";
import { recordOperation } from "../ops/metrics.ts";
import { closestNames, didYouMean } from "../commands/closest-names.ts";
import type { CustomerMoves } from "../core/customer-moves.ts";
import { moveCustomer } from "./move-customer.ts";
import { renderMove } from "./render-move.ts";
import { countSharedPlaces } from "../core/count-shared-places.ts";
import type { SharedTenantOffer } from "../core/shared-tenant-guardrails.ts";
import type { RolloutStore } from "../core/rollout-store.ts";
import { answerRollout } from "./rollout-commands.ts";
import { abandon, onboard } from "./onboard-commands.ts";

export type Surface = "slack" | "shell" | "cli" | "api";

export interface ChatRequest {
  text: string;
  user: string;
  surface: Surface;
  /** The provisioning API checked the token's scopes itself; Slack roles do not apply to a token. */
  preauthorised?: boolean;
}

export type ChatAnswer =
  | { kind: "error"; error: CommandError }
  | { kind: "info"; command?: Command; text: string; detail?: InfoDetail }
  | { kind: "operation"; command: Command; jobId: string; disposition: EnqueueDisposition; text: string }
  | { kind: "approval"; command: Command; approval: Approval; created: boolean; text: string }
  | { kind: "decision"; command: Command; decision: DecisionResult; jobId?: string; text: string }
  | { kind: "fleet"; command: Command; jobIds: string[]; text: string; view: FleetHealthView };

/** What an answer was rendered from, for surfaces that lay it out themselves (Slack's Block Kit); the text stays the fallback. */
export type InfoDetail =
  | { kind: "status"; record: CustomerRecord; pending?: Approval; next: string[] }
  | { kind: "audit"; entries: AuditEntry[]; customer?: string }
  | { kind: "help"; topic?: CommandName };

export interface DispatchDeps {
  parseContext: ParseContext;
  registry: CustomerRegistry;
  operations: Queue;
  redis: Redis;
  access: AccessPolicy;
  approvals: Approvals;
  audit: AuditLog;
  checkpoints: OnboardCheckpoints;
  /** Fleet health: the latest verdicts, and sweeps to start now. */
  fleet: { history: HealthHistory; sweepNow(): Promise<string[]>; jobState(jobId: string): Promise<string>; deployments?(): Promise<Record<string, string>> };
  /** Moves in progress, and the days a moved customer's source waits for its removal. */
  moves?: CustomerMoves;
  moveGraceDays?: number;
  /** Whether Redis answers: while it does not, commands are refused at once (RedisUnavailable) instead of waiting. */
  redisState?: RedisAvailability;
  /** The shared tenants by name, with what every customer of each gets (the guardrails' "identical functionality"). */
  sharedTenants?: Record<string, SharedTenantOffer>;
  /** Template rollouts, and the canary and threshold a request gets unless it names its own. */
  rollouts: RolloutStore;
  rolloutDefaults: { canary: number; thresholdPct: number };
}

export interface DispatchHooks {
  /** Called only when a new job is about to be added; returns where its progress should go. */
  beforeAdd?(command: OnboardCommand): Promise<ReplyTo | undefined>;
}

/** One line that says what was asked, for the audit log: command fields only, never a secret. */
export function describeCommand(c: Command): string {
  switch (c.name) {
    case "onboard":
      return `onboard ${c.customer} ${whereOf(c.target)}${c.templates.length ? ` templates=${c.templates.join("|")}` : ""}${c.features.length ? ` features=${c.features.join(",")}` : ""}${c.residency ? ` residency=${c.residency}` : ""}${c.personalData ? " personal-data" : ""}${c.dryRun ? " --dry-run" : ""}`;
    case "offboard":
      return `offboard ${c.customer} --purge-after ${c.purgeAfterDays}`;
    case "health":
      return `health ${"customer" in c.scope ? c.scope.customer : "all"}`;
    case "list":
      return `list${c.region ? ` --region ${c.region}` : ""}${c.status ? ` --status ${c.status}` : ""}`;
    case "audit":
      return `audit${c.customer ? ` ${c.customer}` : ""}`;
    case "help":
      return `help${c.topic ? ` ${c.topic}` : ""}`;
    case "approve":
      return `approve ${c.requestId}`;
    case "reject":
      return `reject ${c.requestId}`;
    case "abandon":
      return `abandon ${c.customer}`;
    case "move":
      return `move ${c.customer} ${c.to.kind === "cloud" ? c.to.region : c.to.kind === "client-managed" ? c.to.site : c.to.kind}${c.dryRun ? " --dry-run" : ""}`;
    case "rollout":
      return c.action === "start" ? `rollout "${c.template}"${c.dryRun ? " --dry-run" : ""}${c.scope && c.scope.kind !== "all" ? ` ${c.scope.kind}=${c.scope.kind === "region" ? c.scope.region : c.scope.kind === "site" ? c.scope.site : c.scope.customers.join(",")}` : ""}${c.canary !== undefined ? ` --canary ${c.canary}` : ""}${c.thresholdPct !== undefined ? ` --threshold ${c.thresholdPct}` : ""}` : `rollout ${c.action} ${c.rolloutId}`;
    default:
      return `${c.name} ${c.customer}`;
  }
}

function resultOf(answer: ChatAnswer): { result: string; jobId?: string; approvalId?: string; detail?: string } {
  switch (answer.kind) {
    case "error":
      return { result: "refused", detail: answer.error.reason };
    case "info":
      return { result: "answered" };
    case "operation":
      return { result: answer.disposition, jobId: answer.jobId };
    case "approval":
      return { result: answer.created ? "approval-requested" : "approval-already-pending", approvalId: answer.approval.id };
    case "fleet":
      return { result: "answered", detail: `${answer.jobIds.length} sweeps started` };
    case "decision":
      return answer.decision.ok
        ? { result: answer.decision.approval.status, approvalId: answer.decision.approval.id, ...(answer.jobId ? { jobId: answer.jobId } : {}), ...(answer.decision.approval.reason ? { detail: `reason: ${answer.decision.approval.reason}` } : {}) }
        : { result: `refused-${answer.decision.code}`, detail: answer.decision.message, ...(answer.decision.approval ? { approvalId: answer.decision.approval.id } : {}) };
  }
}

export async function dispatchCommand(req: ChatRequest, deps: DispatchDeps, hooks: DispatchHooks = {}): Promise<ChatAnswer> {
  const parsed = parseCommand(req.text, deps.parseContext);
  if (!parsed.ok) return { kind: "error", error: parsed.error };
  return dispatchParsed(parsed.command, req, deps, hooks);
}

/**
 * A command already parsed (a button click carries one): authorise, answer, audit. Bounded in time:
 * throws RedisUnavailable (its message is the answer to show) when Redis is away or does not answer.
 */
export async function dispatchParsed(command: Command, req: ChatRequest, deps: DispatchDeps, hooks: DispatchHooks = {}): Promise<ChatAnswer> {
  return withinRedisDeadline(deps.redisState, async () => {
    const answered = await answerCommand(command, req, deps, hooks);
    // Whatever dispatch turns down was well formed: the parser alone answers malformed text.
    const answer: ChatAnswer = answered.kind === "error" ? { ...answered, error: { ...answered.error, refused: true } } : answered;
    const decided = answer.kind === "decision" && answer.decision.approval ? answer.decision.approval.customer : undefined;
    const customer = customerOf(command) ?? decided;
    await deps.audit.record({ user: req.user, surface: req.surface, action: describeCommand(command), ...(customer ? { customer } : {}), ...resultOf(answer) });
    // Turned down (a role, the customer's state, a guardrail, an approval that may not be decided): counted by command.
    if (answer.kind === "error" || (answer.kind === "decision" && !answer.decision.ok)) recordOperation(command.name, "refused");
    return answer;
  });
}

async function answerCommand(command: Command, req: ChatRequest, deps: DispatchDeps, hooks: DispatchHooks): Promise<ChatAnswer> {
  const allowed = req.preauthorised ? ({ ok: true } as const) : await deps.access.check(req.user, command);
  if (!allowed.ok) return { kind: "error", error: { reason: allowed.reason, usage: usage[command.name], command: command.name } };
  switch (command.name) {
    case "help":
      return { kind: "info", command, text: helpText(command.topic), detail: { kind: "help", ...(command.topic ? { topic: command.topic as CommandName } : {}) } };
    case "status": {
      const record = await deps.registry.get(command.customer);
      if (!record) return { kind: "info", command, text: `qoem knows no customer named ${command.customer}${didYouMean(closestNames(command.customer, await deps.registry.names())) || "."} Try /qoem list.` };
      const pending = await deps.approvals.pendingFor(command.customer);
      const places = record.kind === "shared" && record.sharedTenant ? (await countSharedPlaces(deps.registry, [record.sharedTenant]))[record.sharedTenant] : undefined;
      const move = await deps.moves?.get(command.customer);
      const next = nextCommands({ ...lifecycleFactsOf(record, pending?.id), ...(move ? { moveTo: whereOf(move.to) } : {}) });
      const text = `${renderCustomer(record, pending, next, places)}${move ? `\n${renderMove(move)}` : ""}`;
      return { kind: "info", command, text, detail: { kind: "status", record, ...(pending ? { pending } : {}), next } };
    }
    case "audit": {
      const entries = await deps.audit.read(command.customer);
      return { kind: "info", command, text: renderAudit(entries, command.customer), detail: { kind: "audit", entries, ...(command.customer ? { customer: command.customer } : {}) } };
    }
    case "list":
      return enqueue(command, req, deps, "Listing the fleet");
    case "health": {
      if (!("customer" in command.scope)) {
        const jobIds = await deps.fleet.sweepNow();
        const view = await summarizeFleetHealth(deps.fleet.history.scanLatest(), await deps.fleet.history.lastSweepAt(), await deps.fleet.deployments?.());
        return { kind: "fleet", command, jobIds, text: renderFleetHealth(view, jobIds.length ? "sweeping now" : undefined), view };
      }
      const record = await deps.registry.get(command.scope.customer);
      if (!record) return unknownCustomer(deps, command.scope.customer, "health");
      return enqueue(command, req, deps, `Checking the health of ${record.customer}`);
    }
    case "reactivate": {
      const record = await deps.registry.get(command.customer);
      if (!record) return unknownCustomer(deps, command.customer, "reactivate");
      const check = await checkLifecycle(deps, "reactivate", record);
      if (!check.ok) return { kind: "error", error: { reason: check.reason, usage: usage.reactivate, command: "reactivate" } };
      return enqueue(command, req, deps, `Reactivating ${command.customer}`);
    }
    case "offboard": {
      const record = await deps.registry.get(command.customer);
      if (!record) return unknownCustomer(deps, command.customer, "offboard");
      return requestRemoval(command, req, deps, record);
    }
    case "abandon":
      return abandon(command, req, deps);
    case "approve":
    case "reject":
      return decideRequest(command, req.user, deps);
    case "onboard":
      return onboard(command, req, deps, hooks);
    case "move":
      return moveCustomer(command, req, deps);
    case "rollout":
      return answerRollout(command, req, deps);
  }
}

/** A customer qoem does not know, with the closest names it does know (one read of the registry's names). */
export async function unknownCustomer(deps: Pick<DispatchDeps, "registry">, customer: string, name: Command["name"]): Promise<ChatAnswer> {
  const guess = didYouMean(closestNames(customer, await deps.registry.names()));
  return { kind: "error", error: { reason: `qoem knows no customer named ${customer}${guess}`, usage: usage[name], command: name } };
}

export async function enqueue(command: Command, req: ChatRequest, deps: DispatchDeps, what: string): Promise<ChatAnswer> {
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
