// The data-residency table from the config: the Qlik Cloud regions qoem can create tenants in (all, when emulated), then the sites that say where they stand.
import type { Target } from "../adapters/port.ts";
import { cloudRegionCodes, findRegion } from "../adapters/qlik-cloud/regions.ts";
import type { Config } from "./config.ts";
import { regionCountries, type PlacementTable } from "./core/place-by-residency.ts";

/** Where the embedded emulator's site `local` stands: a country no Qlik Cloud region serves, so residency can be tried against a site. */
export const LOCAL_SITE_COUNTRY = "CH";

export function placementTable(config: Config, emulated: boolean, extraSites: string[]): PlacementTable {
  const regions = emulated ? cloudRegionCodes : Object.keys(config.cloud.regions);
  // Only regions Qlik can create tenants in are offered.
  const cloud = regions.filter((r) => regionCountries[r] && findRegion(r)?.creatable).map((region) => ({ target: { kind: "cloud" as const, region }, country: regionCountries[region]! }));
  const sites = Object.entries(config.sites).flatMap(([site, s]) => (s.country ? [{ target: { kind: "client-managed" as const, site }, country: s.country }] : []));
  const extra = extraSites.map((site) => ({ target: { kind: "client-managed" as const, site }, country: LOCAL_SITE_COUNTRY }));
  const targetOf = (where: string): Target => (cloudRegionCodes.includes(where) ? { kind: "cloud", region: where } : { kind: "client-managed", site: where });
  return { options: [...cloud, ...sites, ...extra], overrides: Object.fromEntries(Object.entries(config.residency).map(([code, where]) => [code, targetOf(where)])) };
}
