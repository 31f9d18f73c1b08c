// Removes an app qoem made (a staged import, or the previous version once no longer needed); an app already gone is fine.
import { deleteApp } from "@qlik/api/apps";
import { QoemError, type CustomerEnvironment } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { tenantOf } from "./find-published-app.ts";

export async function removeApp(cloud: CloudContext, env: CustomerEnvironment, appId: string): Promise<void> {
  const { host, creds } = tenantOf(cloud, env);
  try {
    await cloud.caller.call(host, creds, "removing an app", (hostConfig) => deleteApp(appId, { hostConfig }), "deleteApp");
  } catch (error) {
    if (error instanceof QoemError && error.code === "not_found") return;
    throw error;
  }
}
