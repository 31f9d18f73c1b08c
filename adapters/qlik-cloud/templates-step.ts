/**
 * Onboarding step: the OEM's template apps, exported once from the source tenant, imported into the
 * customer's staging (shared) space and published to its production (managed) space. A template
 * already imported is adopted; one already published is republished, never duplicated.
 */
import { importApp, publishApp, republishApp } from "@qlik/api/apps";
import { getItems } from "@qlik/api/items";
import { createSpaceAssignment, getSpaces } from "@qlik/api/spaces";
import { getMyUser } from "@qlik/api/users";
import { z } from "zod";
import { QoemError, permanent, userError, type OnboardStep, type StepContext } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { tenantHostOf } from "./settings-step.ts";
import type { CloudContext } from "./cloud-adapter.ts";
import { exportTemplate } from "./apps/export-template.ts";

const itemSchema = z.object({ name: z.string(), resourceId: z.string(), spaceId: z.string().optional(), resourceUpdatedAt: z.string().optional() });
const spaceSchema = z.object({ id: z.string(), name: z.string(), type: z.string().optional(), ownerId: z.string().optional(), meta: z.object({ roles: z.array(z.string()).optional() }).passthrough().optional() });
const userSchema = z.object({ id: z.string() });
/** The roles that let a member of a shared space export its apps (the space's owner holds them all). */
const EXPORT_ROLES = ["producer", "facilitator"];
const appSchema = z.object({ attributes: z.object({ id: z.string() }).passthrough() });

type Creds = { clientId: string; clientSecret: string };

export async function appsInSpace(cloud: CloudContext, host: string, creds: Creds, spaceId: string, name?: string) {
  const items = await listAll(cloud.caller, host, creds, "listing apps", "getItems", (hostConfig, next) =>
    getItems({ resourceType: "app", spaceId, limit: 100, ...(name ? { name } : {}), ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  return validItems(items, itemSchema);
}

/** The source tenant's templates space, as qoem's OAuth client sees it (its own roles in `meta.roles`). */
async function templatesSpace(cloud: CloudContext) {
  const source = cloud.options.sourceTenant;
  if (!source) throw new QoemError("config_error", "cloud.sourceTenant is not configured, so there are no templates to deploy");
  const creds = cloud.region(source.region);
  const spaceName = cloud.onboarding.templates.space;
  const spaces = await listAll(cloud.caller, source.hostname, creds, "finding the templates space", "getSpaces", (hostConfig, next) =>
    getSpaces({ name: spaceName, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  const space = validItems(spaces, spaceSchema).find((s) => s.name === spaceName);
  if (!space) throw new QoemError("config_error", `the source tenant has no space named '${spaceName}' (qoem's OAuth client, a tenant admin, sees every shared and managed space)`);
  return { source, creds, space };
}

/**
 * The OEM's templates in the source tenant: name -> app id and version (its modification time), so
 * that an export is shared per version and an onboard picks up a new version within 15 seconds
 * (at once in a process that has just read it for a rollout).
 * A tenant admin sees a shared space's apps without being a member.
 */
export const SOURCE_TEMPLATES_MEMO = "source-templates";

export async function sourceTemplates(cloud: CloudContext): Promise<Map<string, { id: string; version: string }>> {
  return cloud.memo(SOURCE_TEMPLATES_MEMO, 15_000, async () => {
    const { source, creds, space } = await templatesSpace(cloud);
    const apps = await appsInSpace(cloud, source.hostname, creds, space.id);
    return new Map(apps.map((a) => [a.name, { id: a.resourceId, version: a.resourceUpdatedAt ?? "" }]));
  });
}

/**
 * Exporting needs a role in the templates space that a tenant admin does not have by default: as
 * Qlik's own deployment scripts do, qoem's OAuth client adds its bot user to the (shared) space as
 * producer ("Can edit") unless it already owns it or holds such a role; anything else stops with
 * what to change in the source tenant.
 */
export function exportAccess(cloud: CloudContext): Promise<void> {
  return cloud.memo("source-templates-access", 10 * 60_000, async () => {
    const { source, creds, space } = await templatesSpace(cloud);
    const where = `the source tenant's templates space '${space.name}'`;
    if (space.type && space.type !== "shared") {
      throw new QoemError("config_error", `${where} is a ${space.type} space; Qlik exports apps only from shared spaces, so move the templates to a shared space`);
    }
    const roles = space.meta?.roles ?? [];
    if (roles.some((r) => EXPORT_ROLES.includes(r))) return;
    const me = await cloud.caller.call(source.hostname, creds, "reading qoem's own user", (hostConfig) => getMyUser({ hostConfig, noCache: true }), "getMyUser");
    const myId = userSchema.parse(me.data).id;
    if (space.ownerId === myId) return;
    if (roles.length) {
      throw new QoemError("config_error", `qoem's OAuth client is a member of ${where} as ${roles.join(", ")}, which cannot export apps: give it Can edit (producer) there`);
    }
    try {
      await cloud.caller.call(source.hostname, creds, `joining ${where}`, (hostConfig) =>
        createSpaceAssignment(space.id, { type: "user", assigneeId: myId, roles: ["producer"] }, { hostConfig }), "createSpaceAssignment",
      );
    } catch (error) {
      // Another worker joined first: the assignment is the one asked for.
      if (error instanceof QoemError && error.code === "conflict") return;
      if (error instanceof QoemError && error.code === "permanent") {
        throw new QoemError("config_error", `qoem could not add its OAuth client to ${where} (${error.message}); add it there with Can edit (producer), or make it a tenant admin`);
      }
      throw error;
    }
  });
}

export async function wantedTemplates(cloud: CloudContext, ctx: StepContext): Promise<Array<{ name: string; sourceAppId: string; version: string }>> {
  const available = await sourceTemplates(cloud);
  const names = ctx.request.templates.length ? ctx.request.templates : (cloud.onboarding.templates.apps ?? [...available.keys()].sort());
  return names.map((name) => {
    const source = available.get(name);
    if (!source) throw userError(`template '${name}' is not in the source tenant's '${cloud.onboarding.templates.space}' space (there: ${[...available.keys()].join(", ") || "nothing"})`);
    return { name, sourceAppId: source.id, version: source.version };
  });
}

/** First step (with a source tenant): the requested templates exist there, checked before any tenant is created. */
export function templateCheckStep(cloud: CloudContext): OnboardStep {
  const check = async (ctx: StepContext) => (await wantedTemplates(cloud, ctx)).map((t) => t.name).join(", ") || "no templates";
  return {
    id: "template-check",
    title: "Check app templates",
    inputs: (request) => request.templates.join("|"),
    async run(ctx) {
      return { outcome: "unchanged", detail: `${await check(ctx)} in the source tenant` };
    },
    async plan(ctx) {
      return { id: "template-check", title: "Check app templates", action: "none", detail: `${await check(ctx)} in the source tenant` };
    },
  };
}

export function templatesStep(cloud: CloudContext): OnboardStep {
  return {
    id: "templates",
    title: "Deploy app templates",
    inputs: (request) => request.templates.join("|"),
    async run(ctx) {
      const host = tenantHostOf(ctx);
      const creds = cloud.regionOf(ctx);
      const stagingId = ctx.facts.stagingSpaceId;
      const productionId = ctx.facts.productionSpaceId;
      if (!stagingId || !productionId) throw permanent("the spaces step has not recorded the space ids");
      const templates = await wantedTemplates(cloud, ctx);
      const staged = new Map((await appsInSpace(cloud, host, creds, stagingId)).map((a) => [a.name, a.resourceId]));
      const published = new Map((await appsInSpace(cloud, host, creds, productionId)).map((a) => [a.name, a.resourceId]));
      let imported = 0;
      let newlyPublished = 0;
      let republished = 0;
      for (const t of templates) {
        let appId = staged.get(t.name);
        if (!appId) {
          const file = await exportTemplate(cloud, { ref: t.sourceAppId, version: t.version });
          const res = await cloud.caller.call(host, creds, `importing template ${t.name}`, (hostConfig) =>
            importApp({ name: t.name, spaceId: stagingId }, file, { hostConfig, headers: { "content-type": "application/octet-stream" } }), "importApp",
          );
          appId = appSchema.parse(res.data).attributes.id;
          imported++;
        }
        const target = published.get(t.name);
        if (target) {
          await cloud.caller.call(host, creds, `republishing template ${t.name}`, (hostConfig) => republishApp(appId, { targetId: target, data: "source" }, { hostConfig }), "republishApp");
          republished++;
        } else {
          await cloud.caller.call(host, creds, `publishing template ${t.name}`, (hostConfig) => publishApp(appId, { spaceId: productionId, data: "source" }, { hostConfig }), "publishApp");
          newlyPublished++;
        }
      }
      const parts = [imported && `${imported} imported`, newlyPublished && `${newlyPublished} published`, republished && `${republished} republished`].filter(Boolean);
      return {
        outcome: imported || newlyPublished ? (imported === templates.length ? "created" : "updated") : "updated",
        detail: `${templates.map((t) => t.name).join(", ")}: ${parts.join(", ") || "nothing to do"}`,
        facts: { templates: templates.map((t) => t.name).join("|") },
      };
    },
    async plan(ctx) {
      const templates = await wantedTemplates(cloud, ctx);
      const { stagingSpaceId, productionSpaceId } = ctx.facts;
      if (!stagingSpaceId || !productionSpaceId) {
        return { id: "templates", title: "Deploy app templates", action: "create", detail: `import and publish ${templates.map((t) => t.name).join(", ")}` };
      }
      const host = tenantHostOf(ctx);
      const creds = cloud.regionOf(ctx);
      const staged = new Set((await appsInSpace(cloud, host, creds, stagingSpaceId)).map((a) => a.name));
      const published = new Set((await appsInSpace(cloud, host, creds, productionSpaceId)).map((a) => a.name));
      const toImport = templates.filter((t) => !staged.has(t.name)).map((t) => t.name);
      const toPublish = templates.filter((t) => !published.has(t.name)).map((t) => t.name);
      const toRepublish = templates.filter((t) => published.has(t.name)).map((t) => t.name);
      const parts = [toImport.length && `import ${toImport.join(", ")}`, toPublish.length && `publish ${toPublish.join(", ")}`, toRepublish.length && `republish ${toRepublish.join(", ")}`].filter(Boolean);
      return { id: "templates", title: "Deploy app templates", action: toImport.length || toPublish.length ? "create" : "update", detail: parts.join("; ") };
    },
  };
}
