// Usage lines and help text for every command; the single source for chat, shell and CLI.
import type { CommandName } from "./command-schema.ts";
import { cloudRegionCodes } from "../../adapters/qlik-cloud/regions.ts";
import { cloudOnlyFeatures, customerStatuses } from "./command-schema.ts";

export const usage: Record<CommandName, string> = {
  onboard: "onboard <customer> <region-or-site> | --residency CODE [--template NAME] [--features LIST] [--dry-run]",
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
  rollout: 'rollout "<template>" [--dry-run] [--region R | --site S | --customers a,b] [--canary N] [--threshold PCT] | rollout status|pause|resume|cancel <rollout-id>',
};

const details: Record<CommandName, string> = {
  onboard:
    "Creates the customer's environment: a Qlik Cloud tenant in the region (" +
    cloudRegionCodes.join(", ") +
    ") or a customer area on a client-managed site named in the config. --template repeats to pick templates (default: all configured). " +
    `--features takes a comma list of ${cloudOnlyFeatures.join(", ")} (Qlik Cloud only). --dry-run shows the plan and changes nothing. --residency DE (a country code, or EU) says where the data must stay: without a target qoem picks a region or site there, with one it checks it.`,
  offboard: "Asks an approver to confirm; once approved the tenant is deactivated with a purge date (default 30 days, 10 to 90, as Qlik allows) or the customer's content is removed from its site.",
  reactivate: "Brings a deactivated tenant back before its purge date.",
  abandon:
    "Gives up a failed or unfinished onboard: what it made (a tenant, site content) is removed after an approver confirms (a tenant is deactivated with a purge date); if it made nothing the customer is freed at once. The customer may then be onboarded again, anywhere.",
  health: "A green / amber / red verdict with reasons, for one customer or the whole fleet (all).",
  status: "What qoem knows of one customer: deployment, tenant, hostname, status, who asked and when.",
  list: `Customers qoem manages. --region takes a region code or site name; --status one of ${customerStatuses.join(", ")}.`,
  audit: "What was done, by whom and when, newest first; for one customer or everyone.",
  help: "This text, or the details of one command.",
  approve: "Approves a pending offboard (approvers only; never your own request). In Slack, the Approve button does the same.",
  reject: "Rejects a pending offboard, with an optional reason (approvers only). In Slack, the Reject button does the same.",
  rollout:
    "Puts the template's new version (as the source tenant or the site's templates stream holds it now) into every active customer that has it published, after an approver confirms: a canary wave (default 5 customers, --canary N), then 5%, 25% and the rest. Each customer's app is republished (a site: replaced), reloaded with the customer's variables and opened; one whose check fails goes back to the app it had. A wave whose failures pass --threshold (default 10%) pauses the rollout and alerts. --dry-run says who would get it, who has it and how long it would take. status, pause, resume and cancel take the rollout's id; one rollout per template at a time.",
};

export function helpText(topic?: string): string {
  if (topic && topic in usage) {
    const name = topic as CommandName;
    return `Usage: /qoem ${usage[name]}\n${details[name]}`;
  }
  const lines = (Object.keys(usage) as CommandName[]).map((name) => `  /qoem ${usage[name]}`);
  return ["qoem runs your customers' Qlik environments. Commands:", ...lines, "Try /qoem help <command> for details."].join("\n");
}
