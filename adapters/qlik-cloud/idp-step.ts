// Onboarding step: the identity provider, JWT for embedded access by default, OIDC where configured.
import { createIdp, getIdps } from "@qlik/api/identity-providers";
import { z } from "zod";
import { QoemError, type OnboardStep, type StepContext } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { tenantHostOf } from "./settings-step.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const idpSchema = z.object({
  id: z.string(),
  protocol: z.string(),
  active: z.boolean().optional(),
  options: z.object({ issuer: z.string().optional(), discoveryUrl: z.string().optional() }).passthrough().optional(),
  pendingOptions: z.object({ discoveryUrl: z.string().optional() }).passthrough().optional(),
  /** The state of `pendingOptions` (OIDC, SAML): settings an administrator has not yet tested and promoted. */
  pendingState: z.enum(["verified", "pending", "error"]).optional(),
});
export type IdpInfo = z.infer<typeof idpSchema>;

export async function listIdps(cloud: CloudContext, ctx: StepContext): Promise<IdpInfo[]> {
  const host = tenantHostOf(ctx);
  const items = await listAll(cloud.caller, host, cloud.regionOf(ctx), "listing identity providers", "getIdps", (hostConfig, next) =>
    getIdps({ limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
  );
  return validItems(items, idpSchema);
}

/** Which IdP this OEM's config asks for, and how to recognise one that is already there. */
export function wantedIdp(cloud: CloudContext) {
  const { jwt, oidc } = cloud.onboarding.identity;
  if (oidc) return { kind: "OIDC", key: oidc.discoveryUrl, matches: (i: IdpInfo) => i.protocol === "OIDC" && (i.options?.discoveryUrl ?? i.pendingOptions?.discoveryUrl) === oidc.discoveryUrl };
  if (jwt) return { kind: "jwtAuth", key: jwt.issuer, matches: (i: IdpInfo) => i.protocol === "jwtAuth" && i.options?.issuer === jwt.issuer };
  return undefined;
}

export function identityProviderStep(cloud: CloudContext): OnboardStep {
  return {
    id: "idp",
    title: "Configure identity provider",
    async run(ctx) {
      const wanted = wantedIdp(cloud);
      if (!wanted) throw new QoemError("config_error", "no identity provider is configured (cloud.identity.jwt or cloud.identity.oidc)");
      const existing = (await listIdps(cloud, ctx)).find(wanted.matches);
      if (existing) return { outcome: "adopted", detail: `${wanted.kind} ${wanted.key} (${existing.id})`, facts: { idpId: existing.id } };
      const host = tenantHostOf(ctx);
      const tenantIds = ctx.facts.tenantId ? [ctx.facts.tenantId] : undefined;
      const { jwt, oidc } = cloud.onboarding.identity;
      const res = await cloud.caller.call(host, cloud.regionOf(ctx), "creating the identity provider", (hostConfig) =>
        oidc
          ? createIdp(
              {
                protocol: "OIDC",
                provider: oidc.provider,
                interactive: true,
                description: `qoem: ${ctx.request.customer}`,
                ...(tenantIds ? { tenantIds } : {}),
                pendingOptions: {
                  discoveryUrl: oidc.discoveryUrl,
                  clientId: oidc.clientId,
                  clientSecret: oidc.clientSecret,
                  claimsMapping: { sub: ["sub"], name: ["name"], email: ["email"], groups: ["groups"] },
                  ...(oidc.realm ? { realm: oidc.realm } : {}),
                },
              },
              { hostConfig },
            )
          : createIdp(
              {
                protocol: "jwtAuth",
                provider: "external",
                description: `qoem: embedded access for ${ctx.request.customer}`,
                ...(tenantIds ? { tenantIds } : {}),
                options: { issuer: jwt!.issuer, staticKeys: [{ kid: jwt!.keyId, pem: jwt!.publicKey }] },
              },
              { hostConfig },
            ), "createIdp",
      );
      const id = z.object({ id: z.string() }).parse(res.data).id;
      // Qlik keeps OIDC settings pending until an administrator signs in through them and promotes them.
      const awaiting = oidc ? ", awaiting verification by a tenant administrator" : "";
      return { outcome: "created", detail: `${wanted.kind} ${wanted.key} (${id})${awaiting}`, facts: { idpId: id } };
    },
    async plan(ctx) {
      const wanted = wantedIdp(cloud);
      if (!wanted) return { id: "idp", title: "Configure identity provider", action: "none", detail: "no identity provider is configured: this step would fail" };
      const exists = ctx.facts.tenantId && (ctx.facts.hostname ?? ctx.facts.tenantHost) ? (await listIdps(cloud, ctx).catch(() => [])).some(wanted.matches) : false;
      return { id: "idp", title: "Configure identity provider", action: exists ? "adopt" : "create", detail: `${wanted.kind} ${wanted.key}` };
    },
  };
}
