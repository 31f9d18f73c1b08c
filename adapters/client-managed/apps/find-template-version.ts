// A template's version in a site's templates stream: the app's modification time there, or its `version:<v>` tag.
import { z } from "zod";
import { QoemError, userError, type TemplateVersion } from "../../port.ts";
import { qrsString } from "../qrs-client.ts";
import { appSchema, appsInStream, list, streamSchema } from "../site-queries.ts";
import type { SiteHandle } from "../site-adapter.ts";

const tagged = z.object({ tags: z.array(z.object({ name: z.string() }).passthrough()).default([]) }).passthrough();

export async function findTemplateVersion(site: SiteHandle, template: string): Promise<TemplateVersion> {
  const [stream] = await list(site.qrs, "/qrs/stream/full", streamSchema, `name eq ${qrsString(site.templateStream)}`);
  if (!stream) throw new QoemError("config_error", `site ${site.name} has no stream named '${site.templateStream}' holding the OEM's templates`);
  const apps = await appsInStream(site.qrs, stream.id);
  const app = apps.find((a) => a.name === template);
  if (!app) throw userError(`template '${template}' is not in the '${site.templateStream}' stream of site ${site.name} (there: ${apps.map((a) => a.name).join(", ") || "nothing"})`);
  const tag = tagged.safeParse(app).data?.tags.map((t) => /^version:(.+)$/.exec(t.name)?.[1]).find(Boolean);
  return { template, version: tag ?? appSchema.parse(app).modifiedDate, ref: app.id };
}
