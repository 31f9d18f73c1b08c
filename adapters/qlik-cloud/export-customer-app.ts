// A move's source on Qlik Cloud (an own tenant or a shared one): one app's .qvf, through the apps export API and the temporary file it names.
import { exportApp } from "@qlik/api/apps";
import { downloadTempFile } from "@qlik/api/temp-contents";
import { permanent, type CustomerApp, type CustomerEnvironment } from "../port.ts";
import { tenantOf } from "./list-customer-apps.ts";
import type { CloudContext } from "./cloud-adapter.ts";
import type { ClientCredentials } from "./token-cache.ts";

export async function exportCustomerApp(cloud: CloudContext, env: CustomerEnvironment, app: CustomerApp): Promise<Uint8Array> {
  const { host, creds } = tenantOf(cloud, env);
  return exportAppFile(cloud, host, creds, app);
}

/** The .qvf of an app on a tenant's host, with that tenant's credentials (the shared-tenant adapter's export too). */
export async function exportAppFile(cloud: CloudContext, host: string, creds: ClientCredentials, app: CustomerApp): Promise<Uint8Array> {
  const exported = await cloud.caller.call(host, creds, `exporting app ${app.name}`, (hostConfig) => exportApp(app.id, {}, { hostConfig }), "exportApp");
  const location = exported.headers.get("location");
  const tempId = location ? /\/temp-contents\/([^/?]+)/.exec(location)?.[1] : undefined;
  if (!tempId) throw permanent("Qlik's export answer has no Location of the exported file");
  const file = await cloud.caller.call(host, creds, `downloading app ${app.name}`, (hostConfig) => downloadTempFile(tempId, {}, { hostConfig, noCache: true }), "downloadTempFile");
  const blob = file.data as unknown;
  if (blob instanceof Blob) return new Uint8Array(await blob.arrayBuffer());
  if (typeof blob === "string") return new TextEncoder().encode(blob);
  throw permanent(`the exported app ${app.name} could not be read`);
}
