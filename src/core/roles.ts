/**
 * Who may do what. Engineers onboard, request offboards and reactivate; on-call checks health;
 * approvers approve or reject; everyone reads (status, list, audit, help). Roles are Slack user ids
 * or user-group ids. In Slack, a role left empty is open to the whole workspace, except approver:
 * with no approvers nobody can approve. The local shell gives its user every role.
 */
/** Core knows commands only by name; the grammar lives above it. */
type Command = { name: string; action?: string; dryRun?: boolean };

export type Role = "engineer" | "oncall" | "approver";

export interface AccessLists {
  engineers: string[];
  oncall: string[];
  approvers: string[];
}

export type Decision = { ok: true } | { ok: false; reason: string };

/** The role a command needs, or undefined when anyone may run it. */
export function roleFor(command: Command): Role | undefined {
  switch (command.name) {
    case "onboard":
    case "offboard":
    case "reactivate":
    case "abandon":
    case "move":
      return "engineer";
    case "health":
      return "oncall";
    case "rollout":
      // Reading a rollout's state or a dry run changes nothing.
      return command.action === "status" || command.dryRun ? undefined : "engineer";
    case "approve":
    case "reject":
      return "approver";
    default:
      return undefined;
  }
}

const roleNames: Record<Role, string> = { engineer: "engineer", oncall: "on-call", approver: "approver" };
const listOf = (lists: AccessLists, role: Role) => (role === "engineer" ? lists.engineers : role === "oncall" ? lists.oncall : lists.approvers);

export class AccessPolicy {
  constructor(
    private readonly lists: AccessLists,
    private readonly mode: "slack" | "local",
    /** The user-group ids a user belongs to (Slack); absent: user ids only. */
    private readonly groupsOf?: (user: string) => Promise<string[]>,
  ) {}

  async has(user: string, role: Role): Promise<Decision> {
    if (this.mode === "local") return { ok: true };
    const list = listOf(this.lists, role);
    if (list.length === 0) {
      return role === "approver"
        ? { ok: false, reason: "no approvers are configured (QOEM_APPROVERS or roles.approvers), so offboards cannot be approved" }
        : { ok: true };
    }
    if (list.includes(user)) return { ok: true };
    const groups = list.some((id) => id.startsWith("S")) && this.groupsOf ? await this.groupsOf(user).catch(() => []) : [];
    if (groups.some((g) => list.includes(g))) return { ok: true };
    return { ok: false, reason: `this needs the ${roleNames[role]} role, which you do not have` };
  }

  async check(user: string, command: Command): Promise<Decision> {
    const role = roleFor(command);
    return role ? this.has(user, role) : { ok: true };
  }

  /** Whether anyone at all can approve (so a request is worth making). */
  get approversConfigured(): boolean {
    return this.mode === "local" || this.lists.approvers.length > 0;
  }
}
