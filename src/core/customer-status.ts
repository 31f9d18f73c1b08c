// The statuses a customer moves through; shared by the registry, the lifecycle and the command grammar (`list --status`).
export const customerStatuses = [
  "onboarding",
  "active",
  "onboard-failed",
  "offboard-pending",
  "offboarding",
  "deactivated",
  "abandon-pending",
  "abandoning",
  "move-pending",
  "moving",
  "move-failed",
  "removed",
] as const;
export type CustomerStatus = (typeof customerStatuses)[number];
