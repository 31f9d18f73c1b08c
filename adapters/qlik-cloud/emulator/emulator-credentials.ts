/**
 * The fixed credentials of the emulated Qlik Cloud, shared by `qoem emulate` and the embedded
 * emulator so that a qoem pointed at either (QOEM_EMULATOR_URL or QOEM_EMULATORS=1) can log in.
 * They only open the emulator; they are not secrets.
 */
import { cloudRegionCodes } from "../regions.ts";
import type { CloudEmulatorOptions } from "./cloud-emulator.ts";

export const emulatorSubscriptionId = "emu-subscription-0001";
export const emulatorLicenseKey = "emu-license.eyJvZW0iOnRydWV9.signature";
export const emulatorSourceTenant = { hostname: "oem-source.eu.qlikcloud.com", region: "eu" };

export const emulatorRegionClient = (region: string) => ({ clientId: `emu-${region}-client`, clientSecret: `emu-${region}-secret` });
export const emulatorOrganizationClient = { clientId: "emu-org-client", clientSecret: "emu-org-secret" };

export function emulatorDefaults(): CloudEmulatorOptions {
  return {
    regionClients: Object.fromEntries(cloudRegionCodes.map((r) => [r, emulatorRegionClient(r)])),
    organizationClient: emulatorOrganizationClient,
    subscriptionId: emulatorSubscriptionId,
    licenseKey: emulatorLicenseKey,
    sourceTenant: emulatorSourceTenant,
  };
}
