// A template's .qvf, exported from the OEM's source tenant once per version and shared by every customer of a rollout (and every onboard).
import { exportApp } from "@qlik/api/apps";
import { downloadTempFile } from "@qlik/api/temp-contents";
import { permanent, type TemplateVersion } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { exportAccess } from "../templates-step.ts";

const EXPORT_TTL_MS = 30 * 60_000;

export function exportTemplate(cloud: CloudContext, version: Pick<TemplateVersion, "ref" | "version">): Promise<Uint8Array> {
  return cloud.memo(`template-export:${version.ref}@${version.version}`, EXPORT_TTL_MS, async () => {
    const source = cloud.options.sourceTenant!;
    const creds = cloud.region(source.region);
    await exportAccess(cloud);
    const exported = await cloud.caller.call(source.hostname, creds, "exporting a template", (hostConfig) => exportApp(version.ref, {}, { hostConfig }), "exportApp");
    const location = exported.headers.get("location");
    const tempId = location ? /\/temp-contents\/([^/?]+)/.exec(location)?.[1] : undefined;
    if (!tempId) throw permanent("Qlik's export answer has no Location of the exported file");
    const file = await cloud.caller.call(source.hostname, creds, "downloading a template", (hostConfig) => downloadTempFile(tempId, {}, { hostConfig, noCache: true }), "downloadTempFile");
    const blob = file.data as unknown;
    if (blob instanceof Blob) return new Uint8Array(await blob.arrayBuffer());
    if (typeof blob === "string") return new TextEncoder().encode(blob);
    throw permanent("the exported template could not be read");
  });
}
