// Whether the target can take every app of the source: a refusal names the app and why, before anything is created.
import type { CustomerApp, DeploymentAdapter } from "../../adapters/port.ts";

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 3 : 1)} MB`;

export function checkMovableApps(apps: CustomerApp[], target: DeploymentAdapter, targetName: string): string[] {
  const refusals: string[] = [];
  if (!target.apps?.importApp) return [`${targetName} does not take apps, so no customer can be moved there`];
  const limit = target.apps.maxAppBytes;
  for (const app of apps) {
    if (limit !== undefined && app.sizeBytes > limit) refusals.push(`app '${app.name}' is ${mb(app.sizeBytes)}, more than the ${mb(limit)} an app may be on ${targetName}`);
  }
  const seen = new Map<string, number>();
  for (const app of apps) seen.set(app.name, (seen.get(app.name) ?? 0) + 1);
  for (const [name, count] of seen) {
    // The target finds each moved app by its name (that is what makes a retry adopt instead of copying twice), so names must be unique.
    if (count > 1) refusals.push(`${count} apps are named '${name}': the target finds each moved app by its name, so it could not tell them apart; rename all but one on the source`);
  }
  return refusals;
}
