// The limits Qlik's OEM guide puts on a tenant shared by customers, and its reasons, as qoem quotes them (adapter and core alike).

/** Customers a shared tenant may serve: the guide says fewer than 10. */
export const SHARED_TENANT_LIMIT = 9;

export const guideReasons = {
  capacity: "Qlik's OEM guide allows a shared tenant only for fewer than 10 customers",
  residency: "Qlik's OEM guide allows a shared tenant only for customers without data residency or encryption requirements",
  personalData: "Qlik's OEM guide allows a shared tenant only when all users are anonymous and no personal data is held",
  identical: "Qlik's OEM guide allows a shared tenant only when every customer has identical functionality",
} as const;

/** The way out of every refusal: the recommended model. */
export const ownTenantAlternative = (customer: string) => `/qoem onboard ${customer} <region> gives ${customer} its own tenant instead (the recommended model)`;
