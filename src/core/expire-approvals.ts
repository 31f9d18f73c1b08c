// Periodically marks requests past their expiry as expired: the customer's status goes back in the same
// atomic step (core's approvals), the audit log says so, and a chat surface may edit its request message.
import type { Logger } from "pino";
import { subjectOf, type Approval, type Approvals } from "./approvals.ts";
import type { AuditLog } from "./audit-log.ts";

export async function expireApprovals(approvals: Approvals, audit: AuditLog, onExpired?: (a: Approval) => Promise<void>): Promise<Approval[]> {
  const expired = await approvals.expireDue();
  for (const a of expired) {
    await audit.record({ user: "qoem", surface: "scheduler", action: `${a.operation} ${subjectOf(a)} approval`, ...(a.customer ? { customer: a.customer } : {}), result: "expired", approvalId: a.id });
    await onExpired?.(a);
  }
  return expired;
}

/** Runs in every qoem process (any role): expiry never depends on a chat process being up. */
export function startApprovalExpiry(approvals: Approvals, audit: AuditLog, logger: Logger, onExpired?: (a: Approval) => Promise<void>, everyMs = 60_000): () => void {
  const timer = setInterval(() => {
    expireApprovals(approvals, audit, onExpired).catch((e: unknown) => logger.warn({ err: (e as Error).message }, "approval expiry sweep failed"));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
