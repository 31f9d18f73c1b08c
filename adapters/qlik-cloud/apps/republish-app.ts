// Publishes one app over a customer's production app (Qlik's republish), from an app other than the one it was first published from.
import { republishApp } from "@qlik/api/apps";
import type { CustomerEnvironment } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { tenantOf } from "./find-published-app.ts";

export async function republishOver(cloud: CloudContext, env: CustomerEnvironment, sourceAppId: string, targetAppId: string): Promise<void> {
  const { host, creds } = tenantOf(cloud, env);
  // The staged version is a new import, not the app production was first published from: Qlik checks the origin unless told not to.
  await cloud.caller.call(host, creds, "republishing the production app", (hostConfig) => republishApp(sourceAppId, { targetId: targetAppId, data: "source", checkOriginAppId: false }, { hostConfig }), "republishApp");
}
