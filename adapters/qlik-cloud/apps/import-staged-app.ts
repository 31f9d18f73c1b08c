// A new version of a template imported into the customer's staging (shared) space; an earlier import of it there (not the app production comes from) is adopted.
import { importApp } from "@qlik/api/apps";
import { z } from "zod";
import { permanent, type CustomerEnvironment, type PublishedApp, type TemplateVersion } from "../../port.ts";
import { spaceNames } from "../onboarding-options.ts";
import { findCustomerSpaces } from "./find-customer-spaces.ts";
import { appsInSpace } from "../templates-step.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { exportTemplate } from "./export-template.ts";
import { tenantOf } from "./find-published-app.ts";

const appSchema = z.object({ attributes: z.object({ id: z.string() }).passthrough() });

export async function importStagedApp(cloud: CloudContext, env: CustomerEnvironment, version: TemplateVersion, published: PublishedApp): Promise<{ appId: string }> {
  const { host, creds } = tenantOf(cloud, env);
  const staging = (await findCustomerSpaces(cloud, env)).staging;
  if (!staging) throw permanent(`${env.customer} has no staging space ${spaceNames(env.customer).staging}`);
  const earlier = (await appsInSpace(cloud, host, creds, staging, version.template)).find((a) => a.name === version.template && a.resourceId !== published.originAppId);
  if (earlier) return { appId: earlier.resourceId };
  const file = await exportTemplate(cloud, version);
  const res = await cloud.caller.call(host, creds, `importing ${version.template}`, (hostConfig) =>
    importApp({ name: version.template, spaceId: staging }, file, { hostConfig, headers: { "content-type": "application/octet-stream" } }), "importApp",
  );
  return { appId: appSchema.parse(res.data).attributes.id };
}
