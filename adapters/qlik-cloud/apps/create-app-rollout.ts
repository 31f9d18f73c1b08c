/**
 * Template rollouts on Qlik Cloud: the version exported once from the source tenant, imported into
 * the customer's staging space, republished over its production app; the app production came from
 * (its origin in staging) is what a rollback republishes again.
 */
import { permanent, type AppRollout } from "../../port.ts";
import type { CloudContext } from "../cloud-adapter.ts";
import { findTemplateVersion } from "./find-template-version.ts";
import { findPublishedApp } from "./find-published-app.ts";
import { importStagedApp } from "./import-staged-app.ts";
import { republishOver } from "./republish-app.ts";
import { reloadApp } from "./reload-app.ts";
import { removeApp } from "./delete-app.ts";

export function createCloudAppRollout(cloud: CloudContext): AppRollout {
  return {
    templateVersion: (template) => findTemplateVersion(cloud, template),
    findPublished: (env, template) => findPublishedApp(cloud, env, template),
    stage: (env, version, published) => importStagedApp(cloud, env, version, published),
    async keep(env, template, published) {
      // Production was published from an app in staging: that app is the previous version, kept where it is.
      if (!published.originAppId) throw permanent(`${env.customer}'s ${template} has no origin app in staging to go back to`);
      return { appId: published.originAppId };
    },
    replace: (env, stagedAppId, published) => republishOver(cloud, env, stagedAppId, published.appId),
    reloadAndCheck: (env, appId, variables) => reloadApp(cloud, env, appId, variables),
    restore: (env, keptAppId, published) => republishOver(cloud, env, keptAppId, published.appId),
    // Production now comes from the staged import (updated: the kept app waits for the rollout's end) or from the kept app again (rolled back: the import goes).
    finish: async (env, apps, outcome) => {
      if (outcome === "rolled-back") await removeApp(cloud, env, apps.stagedAppId);
    },
    removeKept: (env, keptAppId) => removeApp(cloud, env, keptAppId),
  };
}
