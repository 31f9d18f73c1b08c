// Onboarding step: a shared space for staging and a managed space for production, the customer's users group consuming production.
import { createSpace, createSpaceAssignment, getSpaceAssignments, getSpaces } from "@qlik/api/spaces";
import { z } from "zod";
import type { OnboardStep, StepContext } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { tenantHostOf } from "./settings-step.ts";
import { spaceNames } from "./onboarding-options.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const spaceSchema = z.object({ id: z.string(), name: z.string(), type: z.string() });
const assignmentSchema = z.object({ assigneeId: z.string() });

export async function findSpace(cloud: CloudContext, host: string, creds: { clientId: string; clientSecret: string }, name: string, type: string) {
  const spaces = await listAll(cloud.caller, host, creds, `looking up space ${name}`, "getSpaces", (hostConfig, next) =>
    getSpaces({ name, type: type as "shared", limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  return validItems(spaces, spaceSchema).find((s) => s.name === name && s.type === type);
}

async function ensureSpace(cloud: CloudContext, ctx: StepContext, name: string, type: "shared" | "managed"): Promise<{ id: string; created: boolean }> {
  const host = tenantHostOf(ctx);
  const creds = cloud.regionOf(ctx);
  const found = await findSpace(cloud, host, creds, name, type);
  if (found) return { id: found.id, created: false };
  const res = await cloud.caller.call(host, creds, `creating space ${name}`, (hostConfig) =>
    createSpace({ name, type, description: `qoem: ${type === "managed" ? "production" : "staging"} for ${ctx.request.customer}` }, { hostConfig }), "createSpace",
  );
  return { id: spaceSchema.parse(res.data).id, created: true };
}

export function spacesStep(cloud: CloudContext): OnboardStep {
  return {
    id: "spaces",
    title: "Create spaces",
    async run(ctx) {
      const names = spaceNames(ctx.request.customer);
      const staging = await ensureSpace(cloud, ctx, names.staging, "shared");
      const production = await ensureSpace(cloud, ctx, names.production, "managed");
      let assigned = false;
      const groupId = ctx.facts.usersGroupId;
      if (groupId) {
        const host = tenantHostOf(ctx);
        const creds = cloud.regionOf(ctx);
        const existing = await listAll(cloud.caller, host, creds, "reading space assignments", "getSpaceAssignments", (hostConfig, next) =>
          getSpaceAssignments(production.id, { limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
        );
        if (!existing.some((a) => assignmentSchema.safeParse(a).data?.assigneeId === groupId)) {
          await cloud.caller.call(host, creds, "giving the users group access to production", (hostConfig) =>
            createSpaceAssignment(production.id, { type: "group", assigneeId: groupId, roles: ["consumer"] }, { hostConfig }), "createSpaceAssignment",
          );
          assigned = true;
        }
      }
      const created = [staging, production].filter((s) => s.created).length;
      return {
        outcome: created === 2 ? "created" : created || assigned ? "updated" : "unchanged",
        detail: `${names.staging} (shared), ${names.production} (managed)${groupId ? ", users group consumes production" : ""}`,
        facts: { stagingSpaceId: staging.id, productionSpaceId: production.id },
      };
    },
    async plan(ctx) {
      const names = spaceNames(ctx.request.customer);
      if (!ctx.facts.tenantId) return { id: "spaces", title: "Create spaces", action: "create", detail: `shared ${names.staging}, managed ${names.production}` };
      const host = tenantHostOf(ctx);
      const creds = cloud.regionOf(ctx);
      const staging = await findSpace(cloud, host, creds, names.staging, "shared");
      const production = await findSpace(cloud, host, creds, names.production, "managed");
      const missing = [!staging && `shared ${names.staging}`, !production && `managed ${names.production}`].filter(Boolean);
      return {
        id: "spaces",
        title: "Create spaces",
        action: missing.length ? "create" : "adopt",
        detail: missing.length ? `create ${missing.join(", ")}` : `adopt ${names.staging} and ${names.production}`,
        facts: { ...(staging ? { stagingSpaceId: staging.id } : {}), ...(production ? { productionSpaceId: production.id } : {}) },
      };
    },
  };
}
