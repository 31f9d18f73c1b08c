/**
 * Template rollouts on a client-managed site: the version copied from the site's templates stream
 * into an unpublished staging copy for the customer, the production app copied aside (the kept
 * previous version), production replaced (QRS `replace`), reloaded and opened through the engine.
 */
import type { AppRollout } from "../../port.ts";
import type { SiteContext } from "../site-adapter.ts";
import { stagingName } from "../site-queries.ts";
import { findTemplateVersion } from "./find-template-version.ts";
import { findPublishedApp, siteOf } from "./find-published-app.ts";
import { copyApp } from "./copy-app.ts";
import { replaceApp } from "./replace-app.ts";
import { reloadThroughEngine } from "./reload-app.ts";
import { deleteApp } from "./delete-app.ts";

export function createSiteAppRollout(sites: SiteContext): AppRollout {
  return {
    templateVersion: (template, target) => {
      if (target.kind !== "client-managed") throw new Error("a site's template version needs a site");
      return findTemplateVersion(sites.site(target.site), template);
    },
    findPublished: (env, template) => findPublishedApp(siteOf(sites, env), env.customer, template),
    stage: (env, version) => copyApp(siteOf(sites, env), version.ref, `${stagingName(env.customer, version.template)} @${version.version}`),
    // Named after production's publish time: a copy an earlier rollout kept (and could not remove) is never adopted as this one's.
    keep: (env, template, published) => copyApp(siteOf(sites, env), published.appId, `${stagingName(env.customer, template)} (previous, published ${published.publishTime})`),
    replace: (env, stagedAppId, published) => replaceApp(siteOf(sites, env), stagedAppId, published.appId),
    reloadAndCheck: (env, appId, variables) => reloadThroughEngine(siteOf(sites, env), appId, variables),
    restore: (env, keptAppId, published) => replaceApp(siteOf(sites, env), keptAppId, published.appId),
    // A replace copies content: production keeps nothing of either copy. The staged one goes at once; the kept one
    // too after a rollback, and after an update once the rollout ended (removeKept).
    async finish(env, apps, outcome) {
      const site = siteOf(sites, env);
      await deleteApp(site, apps.stagedAppId);
      if (outcome === "rolled-back") await deleteApp(site, apps.keptAppId);
    },
    removeKept: (env, keptAppId) => deleteApp(siteOf(sites, env), keptAppId),
  };
}
