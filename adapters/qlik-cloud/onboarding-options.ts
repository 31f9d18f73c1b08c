// What the OEM configures for every cloud onboarding: templates, identity provider, groups, licences, branding, monitoring.

export interface BrandSpec {
  name?: string;
  description?: string;
  /** File paths: PNG/JPG logo, ICO favicon, CSS-like styles JSON. */
  logo?: string;
  favIcon?: string;
  styles?: string;
}

export interface CloudOnboardingOptions {
  /** The source tenant's space holding the OEM's template apps, and which of them to deploy (default: all). */
  templates: { space: string; apps?: string[] };
  /** JWT for embedded access (default) or OIDC where configured. */
  identity: {
    jwt?: { issuer: string; keyId: string; publicKey: string };
    oidc?: { provider: "auth0" | "okta" | "generic" | "salesforce" | "keycloak" | "adfs" | "azureAD"; discoveryUrl: string; clientId: string; clientSecret: string; realm?: string };
  };
  /** Groups seeded in every tenant; `{customer}` is replaced by the customer's name. The first gets consumer rights in the production space. */
  groups: string[];
  licenses: { autoAssignProfessional: boolean; autoAssignAnalyzer: boolean };
  branding: { default?: BrandSpec; customers: Record<string, BrandSpec> };
  /** Webhooks for failed reloads point here. */
  monitoring?: { webhookUrl: string; secret?: string };
}

export const defaultOnboarding: CloudOnboardingOptions = {
  templates: { space: "OEM templates" },
  identity: {},
  groups: ["{customer}-users"],
  licenses: { autoAssignProfessional: false, autoAssignAnalyzer: true },
  branding: { customers: {} },
};

export const spaceNames = (customer: string) => ({ staging: `${customer}-staging`, production: `${customer}-production` });
export const brandName = (customer: string) => `qoem-${customer}`;
export const webhookName = (customer: string) => `qoem-${customer}-reload-failures`;
export const RELOAD_FINISHED = "com.qlik.v1.app.reload.finished";
export const groupNames = (options: CloudOnboardingOptions, customer: string) => options.groups.map((g) => g.replaceAll("{customer}", customer));
