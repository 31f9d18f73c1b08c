// Onboarding step: tenant settings (licence auto-assignment, group auto-creation) and the seeded groups.
import { getLicenseSettings, updateLicenseSettings } from "@qlik/api/licenses";
import { createGroup, getGroups, patchGroupsSettings } from "@qlik/api/groups";
import { z } from "zod";
import { permanent, type OnboardStep, type StepContext } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { scimString } from "./org-tenants.ts";
import { groupNames } from "./onboarding-options.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const settingsSchema = z.object({ autoAssignProfessional: z.boolean().optional(), autoAssignAnalyzer: z.boolean().optional() });
const groupSchema = z.object({ id: z.string(), name: z.string() });

export function tenantHostOf(ctx: StepContext): string {
  const host = ctx.facts.hostname ?? ctx.facts.tenantHost;
  if (!host) throw permanent("the tenant step has not recorded the tenant's hostname");
  return host;
}

export async function findGroups(cloud: CloudContext, ctx: StepContext, names: string[]) {
  const host = tenantHostOf(ctx);
  const creds = cloud.regionOf(ctx);
  const found = new Map<string, string>();
  for (const name of names) {
    const groups = await listAll(cloud.caller, host, creds, `looking up group ${name}`, "getGroups", (hostConfig, next) =>
      getGroups({ filter: `name eq ${scimString(name)}`, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
    );
    const match = validItems(groups, groupSchema).find((g) => g.name === name);
    if (match) found.set(name, match.id);
  }
  return found;
}

export function settingsStep(cloud: CloudContext): OnboardStep {
  const wanted = cloud.onboarding.licenses;
  return {
    id: "settings",
    title: "Configure tenant",
    async run(ctx) {
      const host = tenantHostOf(ctx);
      const creds = cloud.regionOf(ctx);
      const current = settingsSchema.parse(
        (await cloud.caller.call(host, creds, "reading licence settings", (hostConfig) => getLicenseSettings({ hostConfig, noCache: true }), "getLicenseSettings")).data,
      );
      let changed = false;
      if (current.autoAssignProfessional !== wanted.autoAssignProfessional || current.autoAssignAnalyzer !== wanted.autoAssignAnalyzer) {
        await cloud.caller.call(host, creds, "setting licence auto-assignment", (hostConfig) => updateLicenseSettings({ ...wanted }, { hostConfig }), "updateLicenseSettings");
        changed = true;
      }
      await cloud.caller.call(host, creds, "turning on group auto-creation", (hostConfig) =>
        patchGroupsSettings([{ op: "replace", path: "/autoCreateGroups", value: true }], { hostConfig }), "patchGroupsSettings",
      );
      const names = groupNames(cloud.onboarding, ctx.request.customer);
      const existing = await findGroups(cloud, ctx, names);
      const facts: Record<string, string> = {};
      for (const name of names) {
        let id = existing.get(name);
        if (!id) {
          const res = await cloud.caller.call(host, creds, `creating group ${name}`, (hostConfig) => createGroup({ name, status: "active" }, { hostConfig }), "createGroup");
          id = groupSchema.parse(res.data).id;
          changed = true;
        }
        if (name === names[0]) facts.usersGroupId = id;
      }
      const detail = `analyzer auto-assign ${wanted.autoAssignAnalyzer ? "on" : "off"}, professional ${wanted.autoAssignProfessional ? "on" : "off"}; groups ${names.join(", ") || "none"}`;
      return { outcome: changed ? "updated" : "unchanged", detail, facts };
    },
    async plan(ctx) {
      const names = groupNames(cloud.onboarding, ctx.request.customer);
      const detail = `licence auto-assignment (analyzer ${wanted.autoAssignAnalyzer ? "on" : "off"}), group auto-creation, groups ${names.join(", ")}`;
      if (!ctx.facts.tenantId) return { id: "settings", title: "Configure tenant", action: "update", detail };
      const host = tenantHostOf(ctx);
      const current = settingsSchema.parse((await cloud.caller.call(host, cloud.regionOf(ctx), "reading licence settings", (hostConfig) => getLicenseSettings({ hostConfig, noCache: true }), "getLicenseSettings")).data);
      const groups = await findGroups(cloud, ctx, names);
      const facts: Record<string, string> = names[0] && groups.get(names[0]) ? { usersGroupId: groups.get(names[0])! } : {};
      const settled = current.autoAssignAnalyzer === wanted.autoAssignAnalyzer && current.autoAssignProfessional === wanted.autoAssignProfessional && groups.size === names.length;
      return { id: "settings", title: "Configure tenant", action: settled ? "none" : "update", detail: settled ? "settings and groups already in place" : detail, facts };
    },
  };
}
