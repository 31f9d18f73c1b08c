/**
 * The fixed credentials of the emulated Qlik Cloud, shared by `qoem emulate` and the embedded
 * emulator so that a qoem pointed at either (QOEM_EMULATOR_URL or QOEM_EMULATORS=1) can log in.
 * They only open the emulator; they are not secrets.
 */
import { generateKeyPairSync } from "node:crypto";
import { cloudRegionCodes } from "../regions.ts";
import type { CloudOnboardingOptions } from "../onboarding-options.ts";
import type { CloudEmulatorOptions } from "./cloud-emulator.ts";

export const emulatorSubscriptionId = "emu-subscription-0001";
export const emulatorLicenseKey = "emu-license.eyJvZW0iOnRydWV9.signature";
export const emulatorSourceTenant = { hostname: "oem-source.eu.qlikcloud.com", region: "eu" };
/** The shared tenant that local mode offers as `shared`: customers separated by spaces, under the guardrails. */
export const emulatorSharedTenant = { name: "shared", hostname: "oem-shared.eu.qlikcloud.com", region: "eu" };

export const emulatorRegionClient = (region: string) => ({ clientId: `emu-${region}-client`, clientSecret: `emu-${region}-secret` });
/** The issuer of the emulated JWT identity provider that onboarding on the emulators configures. */
export const emulatorJwtIssuer = "https://oem.example.com/qoem-emulated";
export const emulatorOrganizationClient = { clientId: "emu-org-client", clientSecret: "emu-org-secret" };

export function emulatorDefaults(): CloudEmulatorOptions {
  return {
    regionClients: Object.fromEntries(cloudRegionCodes.map((r) => [r, emulatorRegionClient(r)])),
    organizationClient: emulatorOrganizationClient,
    subscriptionId: emulatorSubscriptionId,
    licenseKey: emulatorLicenseKey,
    sourceTenant: emulatorSourceTenant,
    sharedTenants: [{ hostname: emulatorSharedTenant.hostname, region: emulatorSharedTenant.region }],
  };
}

let emulatorKey: string | undefined;
/** A public key for the emulated JWT identity provider (generated once per process). */
function emulatorPublicKey(): string {
  emulatorKey ??= generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
  return emulatorKey;
}

/** Onboarding settings for a qoem running on the emulators: JWT IdP, a brand per customer, monitoring. */
export function emulatorOnboarding(): Partial<CloudOnboardingOptions> {
  return {
    identity: { jwt: { issuer: emulatorJwtIssuer, keyId: "qoem-emulated", publicKey: emulatorPublicKey() } },
    branding: { default: { description: "emulated OEM brand" }, customers: {} },
    monitoring: { webhookUrl: "https://qoem.invalid/webhooks/qlik" },
  };
}
