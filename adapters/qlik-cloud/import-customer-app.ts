/**
 * A move's destination on Qlik Cloud: one of the customer's apps imported into the staging (shared)
 * space the onboard made, then published to production under its own name. Exactly once: before the
 * first import the staging space's apps are noted (the baseline, checkpointed), so an app of this
 * name that is not in the baseline is this move's copy and is adopted after a crash. A template of
 * the same name that the onboard published is replaced by the customer's own app (republished over
 * it), so production holds one app of each name.
 */
import { importApp, publishApp, republishApp } from "@qlik/api/apps";
import { z } from "zod";
import { conflict, permanent, userError, type AppDestination, type CustomerApp, type StepOutcome } from "../port.ts";
import { appItemsInSpace } from "./list-customer-apps.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const importedSchema = z.object({ attributes: z.object({ id: z.string() }).passthrough() });

export async function importCustomerApp(cloud: CloudContext, dest: AppDestination, app: CustomerApp, file: () => Promise<Uint8Array>): Promise<StepOutcome> {
  if (dest.request.target.kind !== "cloud") throw userError("not a Qlik Cloud target");
  const creds = cloud.region(dest.request.target.region);
  const host = dest.facts.hostname ?? dest.facts.tenantHost;
  const { stagingSpaceId, productionSpaceId } = dest.facts;
  if (!host || !stagingSpaceId || !productionSpaceId) throw permanent("the target's onboard has not recorded its tenant and spaces");

  let baseline = dest.facts.stagingBaseline;
  if (baseline === undefined) {
    baseline = (await appItemsInSpace(cloud, host, creds, stagingSpaceId)).map((i) => i.resourceId).join("|");
    dest.facts.stagingBaseline = baseline;
    await dest.checkpoint({ stagingBaseline: baseline });
  }
  const before = new Set(baseline.split("|"));
  const copies = (await appItemsInSpace(cloud, host, creds, stagingSpaceId)).filter((i) => i.name === app.name && !before.has(i.resourceId));
  if (copies.length > 1) throw conflict(`the target's staging space holds ${copies.length} copies of ${app.name} made by this move; remove the extra ones by hand`);
  let stagedId = copies[0]?.resourceId;
  const imported = !stagedId;
  if (!stagedId) {
    const bytes = await file();
    if (cloud.maxAppBytes !== undefined && bytes.byteLength > cloud.maxAppBytes) throw userError(`app ${app.name} is ${bytes.byteLength} bytes, more than the ${cloud.maxAppBytes} bytes Qlik Cloud takes here`);
    const res = await cloud.caller.call(host, creds, `importing app ${app.name}`, (hostConfig) =>
      importApp({ name: app.name, spaceId: stagingSpaceId }, bytes, { hostConfig, headers: { "content-type": "application/octet-stream" } }), "importApp",
    );
    stagedId = importedSchema.parse(res.data).attributes.id;
  }
  await dest.checkpoint({ [`staged:${app.id}`]: stagedId });

  const published = await appItemsInSpace(cloud, host, creds, productionSpaceId);
  const ours = published.find((i) => i.resourceAttributes?.originAppId === stagedId);
  const sameName = published.find((i) => i.name === app.name);
  const staged = stagedId;
  if (ours && !imported) return { outcome: "adopted", detail: `${app.name}: already imported and published` };
  if (ours ?? sameName) {
    const targetId = (ours ?? sameName)!.resourceId;
    await cloud.caller.call(host, creds, `republishing app ${app.name}`, (hostConfig) => republishApp(staged, { targetId, data: "source", checkOriginAppId: false }, { hostConfig }), "republishApp");
    return { outcome: imported ? "created" : "updated", detail: `${app.name}: ${imported ? "imported, " : ""}published over the app of that name in production` };
  }
  await cloud.caller.call(host, creds, `publishing app ${app.name}`, (hostConfig) => publishApp(staged, { spaceId: productionSpaceId, data: "source" }, { hostConfig }), "publishApp");
  return { outcome: imported ? "created" : "updated", detail: `${app.name}: ${imported ? "imported and " : ""}published` };
}
