// A template's version in the OEM's source tenant: the app's modification time there (items' resourceUpdatedAt), or its version tag.
import { getItems } from "@qlik/api/items";
import { z } from "zod";
import { QoemError, userError, type TemplateVersion } from "../../port.ts";
import { listAll, validItems } from "../qlik-call.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { findSpace } from "../spaces-step.ts";
import { SOURCE_TEMPLATES_MEMO } from "../templates-step.ts";

const itemSchema = z.object({
  name: z.string(),
  resourceId: z.string(),
  resourceUpdatedAt: z.string().optional(),
  updatedAt: z.string().optional(),
  meta: z.object({ tags: z.array(z.object({ name: z.string() }).passthrough()).optional() }).passthrough().optional(),
});

/** Read fresh (no memo): a rollout records the version the source holds at the moment it is asked for. */
export async function findTemplateVersion(cloud: CloudContext, template: string): Promise<TemplateVersion> {
  const source = cloud.options.sourceTenant;
  if (!source) throw new QoemError("config_error", "cloud.sourceTenant is not configured, so there are no templates to roll out");
  const creds = cloud.region(source.region);
  const spaceName = cloud.onboarding.templates.space;
  const space = await findSpace(cloud, source.hostname, creds, spaceName, "shared");
  if (!space) throw new QoemError("config_error", `the source tenant has no shared space named '${spaceName}'`);
  const items = await listAll(cloud.caller, source.hostname, creds, "listing the templates", "getItems", (hostConfig, next) =>
    getItems({ resourceType: "app", spaceId: space.id, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  const apps = validItems(items, itemSchema);
  const app = apps.find((a) => a.name === template);
  if (!app) throw userError(`template '${template}' is not in the source tenant's '${spaceName}' space (there: ${apps.map((a) => a.name).join(", ") || "nothing"})`);
  // A tag `version:<v>` set by the OEM names the version; otherwise the app's last modification time does.
  const tag = app.meta?.tags?.map((t) => /^version:(.+)$/.exec(t.name)?.[1]).find(Boolean);
  const version = tag ?? app.resourceUpdatedAt ?? app.updatedAt;
  if (!version) throw new QoemError("internal", `the source tenant's item for '${template}' has no modification time`);
  // Onboards read the templates from a short-lived shared listing: the next one sees this version at once.
  cloud.forget(SOURCE_TEMPLATES_MEMO);
  return { template, version, ref: app.resourceId };
}
