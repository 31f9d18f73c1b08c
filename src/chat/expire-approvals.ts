// Periodically marks offboard requests past their expiry as expired: the customer's status goes
// back, the audit log says so, and (in Slack) the request message loses its buttons.
import type { Logger } from "pino";
import type { Approval } from "../core/approvals.ts";
import type { CustomerRecord } from "../core/customer-registry.ts";
import type { DispatchDeps } from "./dispatch-command.ts";

export async function expireApprovals(deps: DispatchDeps, onExpired?: (a: Approval) => Promise<void>): Promise<Approval[]> {
  const expired = await deps.approvals.expireDue();
  for (const a of expired) {
    const record = await deps.registry.get(a.customer);
    if (record?.status === "offboard-pending") await deps.registry.update(a.customer, { status: a.previousStatus as CustomerRecord["status"] });
    await deps.audit.record({ user: "qoem", surface: "scheduler", action: `offboard ${a.customer} approval`, customer: a.customer, result: "expired", approvalId: a.id });
    await onExpired?.(a);
  }
  return expired;
}

export function startApprovalExpiry(deps: DispatchDeps, logger: Logger, onExpired?: (a: Approval) => Promise<void>, everyMs = 60_000): () => void {
  const timer = setInterval(() => {
    expireApprovals(deps, onExpired).catch((e: unknown) => logger.warn({ err: (e as Error).message }, "approval expiry sweep failed"));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
