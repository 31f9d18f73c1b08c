// Usage lines and help text for every command; the single source for chat, shell and CLI.
import type { CommandName } from "./command-schema.ts";
import { cloudRegionCodes } from "../../adapters/qlik-cloud/regions.ts";
import { cloudOnlyFeatures, customerStatuses } from "./command-schema.ts";

export const usage: Record<CommandName, string> = {
  onboard: "onboard <customer> <region-site-or-shared-tenant> | --residency CODE [--template NAME] [--features LIST] [--personal-data] [--dry-run]",
  offboard: "offboard <customer> [--purge-after DAYS]",
  reactivate: "reactivate <customer>",
  abandon: "abandon <customer>",
  health: "health [<customer>|all]",
  status: "status <customer>",
  list: "list [--region R] [--status S]",
  audit: "audit [<customer>]",
  help: "help [command]",
  approve: "approve <request-id>",
  reject: "reject <request-id> [reason]",
  move: "move <customer> <region> [--dry-run] | move <customer> back",
  rollout: 'rollout "<template>" [--dry-run] [--region R | --site S | --customers a,b] [--canary N] [--threshold PCT] | rollout status|pause|resume|cancel <rollout-id>',
};

/** One example per command, as a user would type it. */
export const examples: Record<CommandName, string> = {
  onboard: 'onboard acme eu --template "Sales Overview" --features alerting',
  offboard: "offboard acme --purge-after 30",
  reactivate: "reactivate acme",
  abandon: "abandon acme",
  health: "health acme",
  status: "status acme",
  list: "list --region eu --status active",
  audit: "audit acme",
  help: "help onboard",
  approve: "approve r3k9x2m7q1a",
  reject: "reject r3k9x2m7q1a not this week",
  move: "move acme us --dry-run",
  rollout: 'rollout "Sales Overview" --dry-run --region eu',
};

export const details: Record<CommandName, string> = {
  onboard:
    "Creates the customer's environment: a Qlik Cloud tenant in the region (" +
    cloudRegionCodes.join(", ") +
    "), a customer area on a client-managed site named in the config, or a place in a shared tenant named in the config (`shared` in local mode: a group, a staging and a production space, under Qlik's guardrails: fewer than 10 customers, identical templates and features, no residency needs, no personal data). --template repeats to pick templates (default: all configured). " +
    `--features takes a comma list of ${cloudOnlyFeatures.join(", ")} (Qlik Cloud only). --dry-run shows the plan and changes nothing. --residency DE (a country code, or EU) says where the data must stay: without a target qoem picks a region or site there, with one it checks it.`,
  offboard: "Asks an approver to confirm; once approved the tenant is deactivated with a purge date (default 30 days, 10 to 90, as Qlik allows), or the customer's content is removed from its site or shared tenant (the shared tenant stays).",
  reactivate: "Brings a deactivated tenant back before its purge date.",
  abandon:
    "Gives up a failed or unfinished onboard: what it made (a tenant, site content) is removed after an approver confirms (a tenant is deactivated with a purge date); if it made nothing the customer is freed at once. The customer may then be onboarded again, anywhere.",
  health: "A green / amber / red verdict with reasons, for one customer or the whole fleet (all).",
  status: "What qoem knows of one customer: deployment, tenant, hostname, status, who asked and when.",
  list: `Customers qoem manages, with their kind of deployment (own tenant, shared tenant with its places used, site). --region takes a region code, site or shared-tenant name; --status one of ${customerStatuses.join(", ")}.`,
  audit: "What was done, by whom and when, newest first; for one customer or everyone.",
  help: "This text, or the details of one command.",
  approve: "Approves a pending offboard (approvers only; never your own request). In Slack, the Approve button does the same.",
  reject: "Rejects a pending offboard, with an optional reason (approvers only). In Slack, the Reject button does the same.",
  move:
    "Moves a customer to another Qlik Cloud region (from a region, a client-managed site, or a shared tenant to its own tenant; never into a shared tenant). --dry-run shows the plan: what is built on the target, which apps move (name, size, from, to), what is removed from the source and when. Without it, an approver must approve; then the target is built as an onboard builds it and each app is exported, imported to staging and published. The source is removed after a second approval or the grace period (default 7 days); until then `move <customer> back` returns to it untouched.",
  rollout:
    "Puts the template's new version (as the source tenant or the site's templates stream holds it now) into every active customer that has it published, after an approver confirms: a canary wave (default 5 customers, --canary N), then 5%, 25% and the rest. Each customer's app is republished (a site: replaced), reloaded with the customer's variables and opened; one whose check fails goes back to the app it had, which each updated customer keeps until the rollout completes or is cancelled. A shared tenant's customers go together, in one wave (naming only some of them is refused). A version:<v> tag on the source app names the version. A wave whose failures pass --threshold (default 10%) pauses the rollout and alerts. --dry-run says who would get it, who has it and how long it would take. status, pause, resume and cancel take the rollout's id; one rollout per template at a time.",
};

export function helpText(topic?: string): string {
  if (topic && topic in usage) {
    const name = topic as CommandName;
    return `Usage: /qoem ${usage[name]}\n${details[name]}\nExample: /qoem ${examples[name]}`;
  }
  const lines = (Object.keys(usage) as CommandName[]).map((name) => `  /qoem ${usage[name]}`);
  return ["qoem runs your customers' Qlik environments. Commands:", ...lines, "Try /qoem help <command> for details."].join("\n");
}
