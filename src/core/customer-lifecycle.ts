/**
 * The customer lifecycle as one state machine: every status, what it means, the commands a user can
 * type that lead out of it, and the check every command passes before it changes anything. A refusal
 * always names the command that would help. The README's lifecycle table is checked against
 * `lifecycle` by a test, so the two cannot drift apart.
 */
import type { CustomerStatus } from "./customer-status.ts";

export type LifecycleCommand = "onboard" | "offboard" | "reactivate" | "abandon" | "approve" | "reject";

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
    meaning: "the tenant is deactivated and will be purged on its purge date",
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
  removed: {
    meaning: "nothing of the customer is left; it may be onboarded again, anywhere",
    next: ["onboard <customer> <region-or-site>"],
  },
};

/** Where a status goes when its running job fails for good (the way back out of a transient status). */
export const onFailure: Partial<Record<CustomerStatus, CustomerStatus>> = {
  onboarding: "onboard-failed",
  abandoning: "onboard-failed",
  // An offboard that failed leaves the customer as it was before the request (see approvals' previousStatus).
};

export interface LifecycleFacts {
  status: CustomerStatus;
  customer: string;
  /** The place the customer lives (region code or site name). */
  where: string;
  kind: "cloud" | "client-managed";
  /** A pending approval's id, if any. */
  requestId?: string;
}

/** The commands that lead on from a customer's status now, ready to type. */
export function nextCommands(f: LifecycleFacts): string[] {
  return lifecycle[f.status].next
    .filter((c) => !(c.startsWith("reactivate") && f.kind !== "cloud"))
    .map((c) => `/qoem ${c.replace("<customer>", f.customer).replace("<where>", f.where).replace("<request-id>", f.requestId ?? "<request-id>")}`);
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
    if (command === "onboard") return { ok: true };
    return { ok: false, reason: "qoem knows no customer by that name; /qoem list shows who it knows" };
  }
  const refuse = (why: string): LifecycleCheck => ({ ok: false, reason: `${f.customer} is ${f.status} (${lifecycle[f.status].meaning})${why ? `; ${why}` : ""}${helpful(f)}` });
  switch (command) {
    case "onboard":
      if (f.status === "removed") return { ok: true };
      if (target !== undefined && target !== f.where) {
        return { ok: false, reason: `${f.customer} already has an environment on ${f.where} (${f.status}); a customer has exactly one${helpful(f)}` };
      }
      if (f.status === "onboarding" || f.status === "active" || f.status === "onboard-failed") return { ok: true };
      return refuse("");
    case "offboard":
      if (f.status === "active") return { ok: true };
      return refuse("only an active customer is offboarded");
    case "reactivate":
      if (f.status === "deactivated" && f.kind === "cloud") return { ok: true };
      if (f.kind !== "cloud" && f.status === "removed") return { ok: false, reason: `${f.customer}'s area on site ${f.where} was removed and that cannot be undone; use /qoem onboard ${f.customer} ${f.where} to build it again` };
      return refuse("only a deactivated tenant is reactivated");
    case "abandon":
      if (f.status === "onboard-failed" || f.status === "onboarding") return { ok: true };
      return refuse("only a failed or unfinished onboard is abandoned");
    case "approve":
    case "reject":
      if (f.status === "offboard-pending" || f.status === "abandon-pending") return { ok: true };
      return refuse("nothing of it waits for approval");
  }
}
