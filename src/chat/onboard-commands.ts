/**
 * Onboard and abandon from chat: the lifecycle and shared-tenant checks, the customer's one
 * environment claimed atomically before anything is queued, and an abandoned onboard either freed
 * at once (it made nothing) or sent for approval (what it made is removed by four eyes).
 */
import { randomUUID } from "node:crypto";
import { usage } from "../commands/help-text.ts";
import type { Command, OnboardCommand } from "../commands/command-schema.ts";
import { targetOf, whereOf, type CustomerRecord } from "../core/customer-registry.ts";
import { enqueueOperation } from "../queue/enqueue-operation.ts";
import { operationJobId } from "../queue/job-payload.ts";
import { madeAnything } from "../core/run-lifecycle.ts";
import { checkSharedOnboard, guideReasons, refusalText, SHARED_TENANT_LIMIT } from "../core/shared-tenant-guardrails.ts";
import { requestRemoval } from "./approval-requests.ts";
import { checkLifecycle } from "./check-lifecycle.ts";
import type { ChatAnswer, ChatRequest, DispatchDeps, DispatchHooks } from "./dispatch-command.ts";
import { unknownCustomer } from "./dispatch-command.ts";

export async function onboard(command: OnboardCommand, req: ChatRequest, deps: DispatchDeps, hooks: DispatchHooks): Promise<ChatAnswer> {
  const where = whereOf(command.target);
  const record = await deps.registry.get(command.customer);
  const refuse = (reason: string): ChatAnswer => ({ kind: "error", error: { reason, usage: usage.onboard, command: "onboard" } });
  const check = await checkLifecycle(deps, "onboard", record, where);
  if (!check.ok) return refuse(check.reason);
  if (command.target.kind === "shared") {
    // The guide's limits for a shared tenant, with the records of the customers already there.
    const offer = deps.sharedTenants?.[command.target.tenant] ?? { templates: [], features: [] };
    // Those living there and those moving out, whose place stays taken until their source there is removed.
    const others = await deps.registry.holding(where);
    const guard = checkSharedOnboard({ customer: command.customer, tenant: command.target.tenant, templates: command.templates, features: command.features, ...(command.residency ? { residency: command.residency } : {}), ...(command.personalData ? { personalData: true } : {}) }, offer, others, record);
    if (!guard.ok) return refuse(guard.reason);
  }
  const payload = {
    requestId: randomUUID(),
    operation: command.dryRun ? ("plan" as const) : ("onboard" as const),
    command,
    requestedBy: { user: req.user, surface: req.surface },
    requestedAt: new Date().toISOString(),
  };
  if (!command.dryRun && record?.status === "active" && hasOptionsOf(record, command)) {
    // Nothing asked differs from what the customer has: nothing to do (different options run the onboard again).
    return { kind: "operation", command, jobId: record.lastJobId ?? operationJobId(payload), disposition: "done", text: `${command.customer} is already onboarded on ${where} with these options (job ${record.lastJobId ?? "-"}). Try /qoem status ${command.customer}.` };
  }
  if (!command.dryRun) {
    // The customer's one environment is claimed here, atomically, before anything is queued.
    const limit = command.target.kind === "shared" ? { limit: SHARED_TENANT_LIMIT } : {};
    const claim = await deps.registry.claim(command.customer, command.target, req.user, operationJobId(payload), { templates: command.templates, features: command.features, ...(command.residency ? { residency: command.residency } : {}), ...(command.personalData ? { personalData: true } : {}), ...limit });
    if (!claim.claimed && "full" in claim) {
      // Another onboard took the last place between the check above and the claim.
      return refuse(refusalText(command.customer, `shared tenant ${where} already serves ${claim.used} customers`, guideReasons.capacity));
    }
    if (!claim.claimed) {
      const now = await deps.registry.get(command.customer);
      const again = now ? await checkLifecycle(deps, "onboard", now, where) : undefined;
      return refuse(again && !again.ok ? again.reason : `${command.customer} already has an environment on ${claim.where} (${claim.status}); a customer has exactly one`);
    }
  }
  const result = await enqueueOperation(deps.operations, deps.redis, payload, {
    rerunCompleted: true,
    ...(hooks.beforeAdd ? { beforeAdd: () => hooks.beforeAdd!(command) } : {}),
  });
  const what = `${command.dryRun ? "dry run of onboard" : "onboard"} ${command.customer} → ${where}`;
  const text = {
    queued: record?.status === "active" && !command.dryRun ? `Queued ${what} again with the options given now (job ${result.jobId}); every step checks what exists and adopts it.` : `Queued ${what} (job ${result.jobId}).`,
    running: `${what} is already queued or running (job ${result.jobId}); not starting a second one.`,
    done: `${command.customer} is already onboarded on ${where} (job ${result.jobId}). Try /qoem status ${command.customer}.`,
    resumed: record?.status === "removed" ? `Queued ${what} (job ${result.jobId}).` : `Resuming the failed ${what} with the options given now: finished steps whose options did not change are kept (job ${result.jobId}).`,
  }[result.disposition];
  return { kind: "operation", command, jobId: result.jobId, disposition: result.disposition, text };
}

/** The customer already has what this onboard asks for: the same place, templates and features. */
function hasOptionsOf(record: CustomerRecord, command: OnboardCommand): boolean {
  return whereOf(targetOf(record)) === whereOf(command.target) && (record.templates ?? "") === command.templates.join("|") && (record.features ?? "") === command.features.join(",");
}

type AbandonCommand = Extract<Command, { name: "abandon" }>;

/**
 * Abandons a failed or unfinished onboard. What it made is removed after approval (deleting a tenant
 * or site content takes four eyes); an onboard that made nothing frees the customer at once.
 */
export async function abandon(command: AbandonCommand, req: ChatRequest, deps: DispatchDeps): Promise<ChatAnswer> {
  const record = await deps.registry.get(command.customer);
  if (!record) return unknownCustomer(deps, command.customer, "abandon");
  const refuse = (reason: string): ChatAnswer => ({ kind: "error", error: { reason, usage: usage.abandon, command: "abandon" } });
  const check = await checkLifecycle(deps, "abandon", record);
  if (!check.ok) return refuse(check.reason);
  if (record.status === "onboarding" && record.lastJobId) {
    const state = await deps.operations.getJobState(record.lastJobId).catch(() => "unknown");
    if (state !== "failed" && state !== "completed" && state !== "unknown") {
      return refuse(`${command.customer}'s onboard is still ${state} (job ${record.lastJobId}); wait for it to finish or fail, then abandon it`);
    }
  }
  if (await madeAnything(record, deps.checkpoints)) return requestRemoval(command, req, deps, record);
  // Only if nothing moved since the read above (a resent onboard would have changed the job or the status).
  try {
    await deps.registry.update(command.customer, { status: "removed", lastError: "" }, undefined, { status: record.status, lastJobId: record.lastJobId ?? "" });
  } catch (error) {
    if ((error as { code?: string }).code !== "conflict") throw error;
    const now = await deps.registry.get(command.customer);
    return refuse(`${command.customer} changed while it was being abandoned (it is ${now?.status ?? "gone"} now); nothing was abandoned`);
  }
  await deps.checkpoints.clear(command.customer);
  return { kind: "info", command, text: `${command.customer}'s onboard is abandoned: it had made nothing, so nothing needed removing. ${command.customer} may be onboarded again, anywhere.` };
}
