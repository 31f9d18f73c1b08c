// The statuses a customer moves through; shared by the registry and the command grammar (`list --status`).
export const customerStatuses = ["onboarding", "active", "onboard-failed", "offboard-pending", "offboarding", "deactivated", "removed"] as const;
