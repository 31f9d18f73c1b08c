// May a command run for this customer now? The lifecycle decides from the record alone; only a refusal
// in a status that waits for an approval looks the pending request up, so the command can be named.
import { checkCommand, lifecycleFactsOf, waitsForApproval, type LifecycleCheck, type LifecycleCommand } from "../core/customer-lifecycle.ts";
import type { CustomerRecord } from "../core/customer-registry.ts";
import type { DispatchDeps } from "./dispatch-command.ts";

export async function checkLifecycle(deps: Pick<DispatchDeps, "approvals">, command: LifecycleCommand, record: CustomerRecord | undefined, target?: string): Promise<LifecycleCheck> {
  const first = checkCommand(command, record && lifecycleFactsOf(record), target);
  if (first.ok || !record || !waitsForApproval(record.status)) return first;
  const pending = await deps.approvals.pendingFor(record.customer);
  return checkCommand(command, lifecycleFactsOf(record, pending?.id), target);
}
