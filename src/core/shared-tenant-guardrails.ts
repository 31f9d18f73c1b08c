/**
 * The guardrails Qlik's OEM guide sets for a tenant shared by customers (separated only by spaces and
 * access control): fewer than 10 customers, anonymous users (no personal data), no data residency or
 * encryption requirements, identical functionality for all. qoem enforces them rather than document
 * them: an onboard that would break one is refused with the guide's reason and the alternative, the
 * customer's own tenant. Pure: the caller passes the records and the tenant's offer.
 */
import type { CustomerRecord } from "./customer-registry.ts";
import { SHARED_TENANT_LIMIT, guideReasons, ownTenantAlternative } from "../../adapters/qlik-cloud/shared-tenant/guide-limits.ts";

export { SHARED_TENANT_LIMIT, guideReasons, ownTenantAlternative };

/** What every customer of a shared tenant gets: its templates (empty: every OEM template) and features. */
export interface SharedTenantOffer {
  templates: string[];
  features: string[];
  /** The region the tenant lives in (a rollout's `--region` reaches its customers too). */
  region?: string;
}

export interface SharedOnboard {
  customer: string;
  tenant: string;
  templates: string[];
  features: string[];
  residency?: string;
  personalData?: boolean;
}

export type GuardrailCheck = { ok: true } | { ok: false; reason: string };

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join("|") === [...b].sort().join("|");
const listOr = (xs: string[], none: string) => (xs.length ? xs.join(", ") : none);

/** A refusal's text in the one shape every guardrail uses: what is wrong, the guide's reason, the alternative. */
export const refusalText = (customer: string, what: string, reason: string) => `${what}: ${reason}; ${ownTenantAlternative(customer)}`;
const refusal = (customer: string, what: string, reason: string): GuardrailCheck => ({ ok: false, reason: refusalText(customer, what, reason) });

/** Whether the flags the onboard gives, or the registry keeps for the customer, rule a shared tenant out. */
export function checkSharedFlags(request: SharedOnboard, record?: CustomerRecord): GuardrailCheck {
  const residency = request.residency ?? record?.residency;
  if (residency) return refusal(request.customer, `${request.customer} needs its data kept in ${residency}`, guideReasons.residency);
  if (request.personalData || record?.personalData === "yes") return refusal(request.customer, `${request.customer} is marked as holding personal data`, guideReasons.personalData);
  return { ok: true };
}

/**
 * May this customer join the shared tenant? `others`: the registry's records of the tenant's customers
 * (any status; removed ones do not count). The count here is advisory: the registry's claim enforces it atomically.
 */
export function checkSharedOnboard(request: SharedOnboard, offer: SharedTenantOffer, others: CustomerRecord[], record?: CustomerRecord): GuardrailCheck {
  const flags = checkSharedFlags(request, record);
  if (!flags.ok) return flags;
  const { customer, tenant } = request;
  const present = others.filter((r) => r.customer !== customer && r.status !== "removed");
  if (present.length >= SHARED_TENANT_LIMIT && record?.status !== "active" && record?.status !== "onboard-failed") {
    return refusal(customer, `shared tenant ${tenant} already serves ${present.length} customers`, guideReasons.capacity);
  }
  const templates = request.templates.length ? request.templates : offer.templates;
  if (!sameSet(templates, offer.templates)) {
    return refusal(customer, `--template ${listOr(request.templates, "")} differs from what every customer of ${tenant} has (${listOr(offer.templates, "every OEM template")})`, guideReasons.identical);
  }
  const features = request.features.length ? request.features : offer.features;
  if (!sameSet(features, offer.features)) {
    return refusal(customer, `--features ${listOr(request.features, "")} differs from what every customer of ${tenant} has (${listOr(offer.features, "no extra features")})`, guideReasons.identical);
  }
  // Customers admitted under an earlier offer: a newcomer may not get what they do not have.
  const different = present.filter((r) => !sameSet(r.templates ? r.templates.split("|").filter(Boolean) : offer.templates, templates) || !sameSet(r.features ? r.features.split(",").filter(Boolean) : offer.features, features));
  if (different.length) {
    return refusal(customer, `${different.map((r) => r.customer).join(", ")} in ${tenant} ${different.length > 1 ? "have" : "has"} other templates or features than this onboard would give`, guideReasons.identical);
  }
  return { ok: true };
}
