// Benchmark seeding: a tenant as qoem's onboard leaves it (staging and production spaces owned by qoem's OAuth client, each template imported and published).
import { spaceNames } from "../onboarding-options.ts";
import type { TenantData } from "./tenant-data.ts";

export function seedCustomerApps(data: TenantData, customer: string, templates: string[], clientId: string): void {
  const bot = data.botFor(clientId);
  const names = spaceNames(customer);
  const staging = data.addSpace(names.staging, "shared", bot.id);
  const production = data.addSpace(names.production, "managed", bot.id);
  const now = new Date().toISOString();
  for (const name of templates) {
    const content = Buffer.from(`QVF emulated app: ${name}\n`);
    const staged = data.addApp(name, staging.id, content, { ownerId: bot.id });
    data.addApp(name, production.id, content, { ownerId: bot.id, published: true, publishTime: now, originAppId: staged.id });
  }
}
