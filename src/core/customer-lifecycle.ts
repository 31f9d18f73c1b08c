/**
 * The customer lifecycle as one state machine: every status, what it means, the commands a user can
 * type that lead out of it, and the check every command passes before it changes anything. A refusal
 * always names the command that would help. The README's lifecycle table is checked against
 * `lifecycle` by a test, so the two cannot drift apart.
 */
import type { CustomerStatus } from "./customer-status.ts";
import { targetOf, whereOf, type CustomerRecord } from "./customer-registry.ts";

export type LifecycleCommand = "onboard" | "offboard" | "reactivate" | "abandon" | "approve" | "reject" | "move" | "move back";

export interface StatusRule {
  meaning: string;
  /** The commands that lead on from this status, as a user types them (`<customer>`, `<where>`, `<request-id>` filled in). */
  next: string[];
  /** True when qoem itself leaves the status (a job is running); the user waits or follows the thread. */
  transient?: boolean;
}

export const lifecycle: Record<CustomerStatus, StatusRule> = {
  onboarding: {
    meaning: "an onboard is queued or running",
    next: ["onboard <customer> <where>", "abandon <customer>"],
    transient: true,
  },
  active: {
    meaning: "onboarded; the environment is in use",
    next: ["onboard <customer> <where>", "offboard <customer>"],
  },
  "onboard-failed": {
    meaning: "an onboard stopped at a step; what it made is still there",
    next: ["onboard <customer> <where>", "abandon <customer>"],
  },
  "offboard-pending": {
    meaning: "an offboard waits for an approver",
    next: ["approve <request-id>", "reject <request-id>"],
  },
  offboarding: {
    meaning: "an approved offboard is running",
    next: [],
    transient: true,
  },
  deactivated: {
    meaning: "the tenant is deactivated and will be purged on its purge date (reactivate brings it back, or frees the customer once it is purged)",
    next: ["reactivate <customer>"],
  },
  "abandon-pending": {
    meaning: "abandoning a failed onboard waits for an approver (it removes what the onboard made)",
    next: ["approve <request-id>", "reject <request-id>"],
  },
  abandoning: {
    meaning: "an approved abandon is removing what the onboard made",
    next: [],
    transient: true,
  },
  "move-pending": {
    meaning: "a move to another deployment waits for an approver",
    next: ["approve <request-id>", "reject <request-id>"],
  },
  moving: {
    meaning: "a move is building the target and copying the apps, or the source waits for its removal (a second approval or the grace period)",
    next: ["move <customer> back"],
    transient: true,
  },
  "move-failed": {
    meaning: "a move stopped at a step; the source is untouched and still in use",
    next: ["move <customer> <to>", "move <customer> back"],
  },
  removed: {
    meaning: "nothing of the customer is left; it may be onboarded again, anywhere",
    next: ["onboard <customer> <region-or-site>"],
  },
};

export interface Transition {
  /** `(none)` for a customer qoem does not know yet. */
  from: CustomerStatus | "(none)";
  /** What a user types, or what ends a job (`job done`, `job failed`), or `expiry`. */
  on: LifecycleCommand | "reject or expiry" | "job done" | "job failed";
  to: string;
  does: string;
}

/**
 * Every transition. Commands may run from the statuses listed here and nowhere else (`checkCommand`
 * reads this list); the README's table is this list (a test compares them).
 */
export const transitions: Transition[] = [
  { from: "(none)", on: "onboard", to: "onboarding", does: "claims the place (atomically, before queuing) and queues the onboard" },
  { from: "removed", on: "onboard", to: "onboarding", does: "claims the place again, anywhere, and queues the onboard" },
  { from: "onboarding", on: "onboard", to: "onboarding", does: "joins the queued or running onboard (same place only)" },
  { from: "onboard-failed", on: "onboard", to: "onboarding", does: "resumes with the options given now: finished steps whose options did not change are kept" },
  { from: "active", on: "onboard", to: "onboarding", does: "with other options, runs every step again (each adopts what exists); with the same, nothing" },
  { from: "onboarding", on: "job done", to: "active", does: "the summary with the tenant's URL" },
  { from: "onboarding", on: "job failed", to: "onboard-failed", does: "the step that failed, why, and what to type next" },
  { from: "onboard-failed", on: "abandon", to: "abandon-pending or removed", does: "asks an approver when the onboard made something; frees the customer at once when it made nothing" },
  { from: "onboarding", on: "abandon", to: "abandon-pending or removed", does: "the same, once its job has ended or is gone" },
  { from: "abandon-pending", on: "approve", to: "abandoning", does: "queues the abandon (exactly once)" },
  { from: "abandon-pending", on: "reject or expiry", to: "the status before", does: "nothing is removed" },
  { from: "abandoning", on: "job done", to: "removed", does: "the tenant deactivated with a purge date, or the content removed from the site or shared tenant" },
  { from: "abandoning", on: "job failed", to: "onboard-failed", does: "says why; abandon or onboard again" },
  { from: "active", on: "offboard", to: "offboard-pending", does: "asks an approver (never the requester)" },
  { from: "offboard-pending", on: "approve", to: "offboarding", does: "queues the offboard (exactly once)" },
  { from: "offboard-pending", on: "reject or expiry", to: "active", does: "nothing is removed" },
  { from: "offboarding", on: "job done", to: "deactivated (own tenant) or removed (site, shared tenant)", does: "the tenant deactivated with a purge date, or the content removed from the site or shared tenant (which stays)" },
  { from: "offboarding", on: "job failed", to: "active", does: "says why; ask for the offboard again" },
  { from: "deactivated", on: "reactivate", to: "active", does: "the tenant reactivated before its purge date (Qlik Cloud only)" },
  { from: "deactivated", on: "reactivate", to: "removed", does: "when Qlik has purged the tenant: nothing is left, and the customer may be onboarded again" },
  { from: "active", on: "move", to: "move-pending", does: "asks an approver (never the requester); refused when the target is where the customer lives" },
  { from: "move-pending", on: "approve", to: "moving", does: "queues the move (exactly once): the target built as an onboard builds it, each app exported, imported to staging and published" },
  { from: "move-pending", on: "reject or expiry", to: "active", does: "nothing is moved" },
  { from: "moving", on: "job failed", to: "move-failed", does: "the step that failed and why; the source is untouched" },
  { from: "move-failed", on: "move", to: "moving", does: "resumes the approved move to the same target from its checkpoint" },
  { from: "moving", on: "move", to: "moving", does: "to the same target after its source's removal failed: runs the removal again (a move still running is refused)" },
  { from: "moving", on: "approve", to: "moving", does: "the second approval: the source is removed now instead of after the grace period" },
  { from: "moving", on: "job done", to: "active", does: "the source removed (a tenant deactivated with its purge date, a site area removed, only the customer's content in a shared tenant, whose place is freed); the customer lives on the target" },
  { from: "moving", on: "move back", to: "active", does: "before the source is removed: back to the untouched source; the target tenant is deactivated with a purge date" },
  { from: "move-failed", on: "move back", to: "active", does: "back to the untouched source; a target tenant the move made is deactivated with a purge date" },
];

/** The statuses a user command may run from, read from `transitions`. */
const allowedFrom = (command: LifecycleCommand): Set<string> => new Set(transitions.filter((t) => t.on === command || (command === "reject" && t.on === "reject or expiry")).map((t) => t.from));

export interface LifecycleFacts {
  status: CustomerStatus;
  customer: string;
  /** The place the customer lives (region code or site name). */
  where: string;
  kind: "cloud" | "client-managed" | "shared";
  /** A pending approval's id, if any. */
  requestId?: string;
  /** Where a move goes (a failed move is resumed to it). */
  moveTo?: string;
}

/** A registry record as the lifecycle sees it; `requestId` fills in the approve/reject commands of a pending request. */
export const lifecycleFactsOf = (r: CustomerRecord, requestId?: string): LifecycleFacts => ({ status: r.status, customer: r.customer, where: whereOf(targetOf(r)), kind: r.kind, ...(requestId ? { requestId } : {}) });

/** Whether a status's way on names a pending request (approve, reject), so a refusal there wants its id. */
export const waitsForApproval = (status: CustomerStatus) => lifecycle[status].next.some((c) => c.includes("<request-id>"));

/** The commands that lead on from a customer's status now, ready to type. */
export function nextCommands(f: LifecycleFacts): string[] {
  return lifecycle[f.status].next
    .filter((c) => !(c.startsWith("reactivate") && f.kind !== "cloud"))
    .map((c) => `/qoem ${c.replace("<customer>", f.customer).replace("<where>", f.where).replace("<request-id>", f.requestId ?? "<request-id>").replace("<to>", f.moveTo ?? "<to>")}`);
}

const orWait = (f: LifecycleFacts) => (lifecycle[f.status].transient ? "; wait for it to finish (follow its thread or /qoem status " + f.customer + ")" : "");

function helpful(f: LifecycleFacts): string {
  const next = nextCommands(f);
  if (next.length === 0) return orWait(f).replace(/^; /, "; ");
  return `; use ${next.join(" or ")}${orWait(f)}`;
}

export type LifecycleCheck = { ok: true } | { ok: false; reason: string };

/**
 * May `command` run for a customer in this status? `target` is where an onboard asks to go.
 * Job-level facts (is an onboard's job still running?) are the caller's to add.
 */
export function checkCommand(command: LifecycleCommand, f: LifecycleFacts | undefined, target?: string): LifecycleCheck {
  if (!f) {
    if (allowedFrom(command).has("(none)")) return { ok: true };
    return { ok: false, reason: "qoem knows no customer by that name; /qoem list shows who it knows" };
  }
  const refuse = (why: string): LifecycleCheck => ({ ok: false, reason: `${f.customer} is ${f.status} (${lifecycle[f.status].meaning})${why ? `; ${why}` : ""}${helpful(f)}` });
  if (command === "onboard" && f.status !== "removed" && target !== undefined && target !== f.where) {
    return { ok: false, reason: `${f.customer} already has an environment on ${f.where} (${f.status}); a customer has exactly one${helpful(f)}` };
  }
  if (command === "reactivate" && f.kind !== "cloud") {
    const area = f.kind === "shared" ? `place in shared tenant ${f.where}` : `area on site ${f.where}`;
    if (f.status === "removed") return { ok: false, reason: `${f.customer}'s ${area} was removed and that cannot be undone; use /qoem onboard ${f.customer} ${f.where} to build it again` };
    return refuse("only a customer's own Qlik Cloud tenant is reactivated");
  }
  if (command === "move" && target !== undefined && f.status === "active" && target === f.where) {
    return { ok: false, reason: `${f.customer} already lives on ${f.where}; a move goes to another region or deployment` };
  }
  if (command === "move" && f.status === "move-failed" && target !== undefined && f.moveTo !== undefined && target !== f.moveTo) {
    return { ok: false, reason: `${f.customer}'s move to ${f.moveTo} stopped; resume it with /qoem move ${f.customer} ${f.moveTo}, or go back with /qoem move ${f.customer} back before moving elsewhere` };
  }
  if (allowedFrom(command).has(f.status)) return { ok: true };
  const why: Record<LifecycleCommand, string> = {
    onboard: "",
    offboard: "only an active customer is offboarded",
    reactivate: "only a deactivated tenant is reactivated",
    abandon: "only a failed or unfinished onboard is abandoned",
    approve: "nothing of it waits for approval",
    reject: "nothing of it waits for approval",
    move: f.status === "moving" || f.status === "move-pending" ? "a move is already running" : "only an active customer is moved",
    "move back": "only a moving customer, or one whose move failed, goes back",
  };
  return refuse(why[command]);
}
