/**
 * Data residency first: where a customer's data must stay (a country, ISO 3166 alpha-2 such as
 * `DE` or `CH`, or the group `EU`) decides where it goes. A Qlik Cloud region qualifies when its
 * datacenter's country satisfies the requirement; a client-managed site when the config says where
 * it stands. Pure: the caller passes what is configured; nothing here reads config or calls out.
 */
import { z } from "zod";
import type { Target } from "../../adapters/port.ts";

/** The member states of the European Union. */
export const euCountries: readonly string[] = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"];

/** The country of each Qlik Cloud region's datacenter (from the datacenter names in regions.ts; the config may override). */
export const regionCountries: Readonly<Record<string, string>> = { us: "US", eu: "IE", de: "DE", uk: "GB", jp: "JP", ap: "AU", sg: "SG", in: "IN", fr: "FR", il: "IL", ae: "AE" };

export const residencySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^(EU|[A-Z]{2})$/, "a residency is a country code such as DE or CH, or EU");
export type Residency = z.infer<typeof residencySchema>;

export interface PlacementOption {
  target: Target;
  /** ISO 3166 alpha-2 code of where the data lives. */
  country: string;
}

export interface PlacementTable {
  /** Targets qoem can create customers on, in order of preference (Qlik Cloud regions first). */
  options: PlacementOption[];
  /** Explicit choices from the config (`residency: { CH: onprem-zrh }`), tried before the table. */
  overrides?: Record<string, Target>;
}

export function satisfies(country: string, residency: string): boolean {
  return residency === "EU" ? euCountries.includes(country) : country === residency;
}

const describe = (t: Target) => (t.kind === "cloud" ? `Qlik Cloud region ${t.region}` : t.kind === "shared" ? `shared tenant ${t.tenant}` : `site ${t.site}`);

export type Placement = { ok: true; target: Target; why: string } | { ok: false; reason: string };

/** The target for a residency requirement, or why there is none. */
export function placeByResidency(residency: string, table: PlacementTable): Placement {
  const parsed = residencySchema.safeParse(residency);
  if (!parsed.success) return { ok: false, reason: `'${residency.slice(0, 10)}' is not a residency: ${parsed.error.issues[0]?.message}` };
  const want = parsed.data;
  const override = table.overrides?.[want];
  if (override) return { ok: true, target: override, why: `the config places ${want} on ${describe(override)}` };
  const found = table.options.find((o) => satisfies(o.country, want));
  if (found) return { ok: true, target: found.target, why: `${describe(found.target)} keeps data in ${found.country}` };
  return { ok: false, reason: `no Qlik Cloud region and no site in ${want}${want === "EU" ? " (the EU)" : ""}; configure a site there (sites.<name>.country) or a residency override` };
}

/** Whether a target keeps data where `residency` requires (a target not in the table never does). */
export function targetSatisfies(target: Target, residency: string, table: PlacementTable): boolean {
  const want = residencySchema.safeParse(residency);
  if (!want.success) return false;
  const override = table.overrides?.[want.data];
  if (override && JSON.stringify(override) === JSON.stringify(target)) return true;
  const option = table.options.find((o) => JSON.stringify(o.target) === JSON.stringify(target));
  return option !== undefined && satisfies(option.country, want.data);
}
