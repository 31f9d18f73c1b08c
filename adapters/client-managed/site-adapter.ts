/**
 * The client-managed adapter: a customer is an area of a self-hosted Qlik Sense Enterprise site
 * (stream, tag, rules, apps, virtual proxy), driven through the QRS and the engine (enigma.js).
 * Client-managed has no Platform Operations API: this adapter is that automation.
 */
import { QoemError, userError, unsupported, type CustomerEnvironment, type DeploymentAdapter, type OffboardResult, type OnboardRequest, type OnboardStep, type OnQlikCall, type RateGate } from "../port.ts";
import { QrsClient, type SiteTls } from "./qrs-client.ts";
import { siteSteps, templateNamesOn } from "./site-steps.ts";
import { siteHealth } from "./site-health.ts";
import { removeCustomer } from "./site-offboard.ts";
import { listCustomerApps } from "./list-customer-apps.ts";
import { exportCustomerApp } from "./export-customer-app.ts";
import { createSiteAppRollout } from "./apps/create-app-rollout.ts";

export interface SiteAccess {
  qrsUrl: string;
  engineUrl: string;
  userDirectory: string;
  userId: string;
  tls?: SiteTls;
  /** The stream holding the OEM's template apps. */
  templateStream: string;
  /** The certificate (PEM) of the key that signs the customers' JWTs: their virtual proxies verify tokens with it. */
  jwtPublicKey?: string;
  /** Origins (or host names) of the pages that embed the customers' apps: each virtual proxy's WebSocket whitelist. */
  allowedOrigins?: string[];
}

export interface SiteHandle extends SiteAccess {
  name: string;
  qrs: QrsClient;
  /** Told of every engine session (the metrics' "engine" calls). */
  onCall?: OnQlikCall;
}

export interface SiteContext {
  site(name: string): SiteHandle;
}

/**
 * `rateGateOf` gives each site's repository its own gate (its own limit, shared by every qoem
 * process), passed before every QRS call; none: calls go out as they come.
 */
export function createSiteAdapter(sites: Record<string, SiteAccess>, options: { rateGateOf?: (site: string) => RateGate; onCall?: OnQlikCall } = {}): DeploymentAdapter & { context: SiteContext } {
  const handles = new Map(Object.entries(sites).map(([name, access]) => [name, { ...access, name, qrs: new QrsClient(access, options.rateGateOf?.(name), options.onCall), ...(options.onCall ? { onCall: options.onCall } : {}) }]));
  const context: SiteContext = {
    site(name) {
      const handle = handles.get(name);
      if (!handle) throw userError(`no client-managed site named '${name}' is configured`);
      return handle;
    },
  };
  const envSite = (env: CustomerEnvironment) => {
    if (env.target.kind !== "client-managed") throw userError(`${env.customer} is not on a client-managed site`);
    return context.site(env.target.site);
  };
  return {
    kind: "client-managed",
    context,
    // A site is a move's source only: apps leave it for Qlik Cloud; nothing is imported into a site.
    apps: {
      listApps: (env) => listCustomerApps(envSite(env), env.customer),
      exportApp: (env, app) => exportCustomerApp(envSite(env), app),
    },
    rollout: createSiteAppRollout(context),
    onboardSteps(request: OnboardRequest): OnboardStep[] {
      if (request.target.kind !== "client-managed") throw userError("the client-managed adapter only onboards to sites");
      if (request.features.length) throw unsupported(`${request.features.join(", ")} cannot be offered on a client-managed site`);
      context.site(request.target.site);
      return siteSteps(context);
    },
    health: (env) => siteHealth(envSite(env), env.customer, env.templates),
    offboard: (env): Promise<OffboardResult> => removeCustomer(envSite(env), env.customer),
    templateNames: async (target) => {
      if (target.kind !== "client-managed") throw userError("the client-managed adapter lists templates of sites only");
      return templateNamesOn(context.site(target.site));
    },
    reactivate: async (env) => {
      throw new QoemError("unsupported", `${env.customer}'s content was removed from site ${envSite(env).name}; a client-managed offboard cannot be undone. Onboard the customer again instead.`);
    },
    close: async () => {},
  };
}
