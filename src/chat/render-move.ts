// A customer's move as `status` shows it: from, to, the apps moved, the approvals and the source's removal.
import type { CustomerMove } from "../core/customer-moves.ts";
import { describeTarget } from "../core/customer-moves.ts";

const phaseText: Record<CustomerMove["phase"], string> = {
  approved: "approved, not started",
  building: "building the target and moving the apps",
  moved: "moved; the source waits for its removal",
  removing: "removing the source",
  removed: "done; the source is removed",
  "moved-back": "gone back to the source",
};

export function renderMove(m: CustomerMove): string {
  const lines = [`  move: ${describeTarget(m.from)} → ${describeTarget(m.to)} (${phaseText[m.phase]})`];
  lines.push(`    requested by ${m.requestedBy}${m.approvedBy ? `, approved by ${m.approvedBy}` : ""} (request ${m.id})`);
  if (m.apps.length) lines.push(`    apps: ${m.apps.map((a) => `${a.name} (${a.sizeBytes} bytes${a.done ? ", moved" : ""})`).join(", ")}`);
  if (m.phase === "moved" && m.removeAfter) lines.push(`    the source is removed on ${m.removeAfter.slice(0, 16).replace("T", " ")} UTC${m.removalApprovalId ? `, or sooner once request ${m.removalApprovalId} is approved` : ""}; until then /qoem move ${m.customer} back returns to it`);
  if (m.removal) lines.push(`    source removal${m.removalApprovedBy ? ` (approved by ${m.removalApprovedBy})` : ""}: ${m.removal}${m.sourcePurgeDate ? `; purge on ${m.sourcePurgeDate.slice(0, 10)}` : ""}`);
  return lines.join("\n");
}
