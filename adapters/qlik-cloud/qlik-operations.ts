/**
 * Every Qlik Cloud REST operation qoem touches, keyed by the @qlik/api function that makes it: the
 * one table that the adapter's calls name (for their rate-limit tier), the emulator's routes are
 * built from, and the vendoring script (scripts/vendor-qlik-specs.ts) cuts Qlik's specification to.
 * Paths are the specification's templates: `/v1/...` is served under `/api`, `/oauth/token` at the host's root.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface QlikOperation {
  method: HttpMethod;
  path: string;
  /** "adapter": qoem's adapter calls it; "emulator": only the emulator serves it (tests, tools). */
  usedBy: "adapter" | "emulator";
}

export const qlikOperations = {
  /** The OAuth client-credentials token request (no @qlik/api function: token-cache.ts sends it). */
  requestOAuthToken: { method: "POST", path: "/oauth/token", usedBy: "adapter" },
  createTenant: { method: "POST", path: "/v1/tenants", usedBy: "adapter" },
  getMyTenant: { method: "GET", path: "/v1/tenants/me", usedBy: "adapter" },
  getTenant: { method: "GET", path: "/v1/tenants/{tenantId}", usedBy: "adapter" },
  patchTenant: { method: "PATCH", path: "/v1/tenants/{tenantId}", usedBy: "adapter" },
  deactivateTenant: { method: "POST", path: "/v1/tenants/{tenantId}/actions/deactivate", usedBy: "adapter" },
  reactivateTenant: { method: "POST", path: "/v1/tenants/{tenantId}/actions/reactivate", usedBy: "adapter" },
  getLicenseOverview: { method: "GET", path: "/v1/licenses/overview", usedBy: "adapter" },
  getLicenseSettings: { method: "GET", path: "/v1/licenses/settings", usedBy: "adapter" },
  updateLicenseSettings: { method: "PUT", path: "/v1/licenses/settings", usedBy: "adapter" },
  patchGroupsSettings: { method: "PATCH", path: "/v1/groups/settings", usedBy: "adapter" },
  getGroups: { method: "GET", path: "/v1/groups", usedBy: "adapter" },
  createGroup: { method: "POST", path: "/v1/groups", usedBy: "adapter" },
  getIdps: { method: "GET", path: "/v1/identity-providers", usedBy: "adapter" },
  createIdp: { method: "POST", path: "/v1/identity-providers", usedBy: "adapter" },
  deleteIdp: { method: "DELETE", path: "/v1/identity-providers/{id}", usedBy: "emulator" },
  getBrands: { method: "GET", path: "/v1/brands", usedBy: "adapter" },
  getActiveBrand: { method: "GET", path: "/v1/brands/active", usedBy: "emulator" },
  createBrand: { method: "POST", path: "/v1/brands", usedBy: "adapter" },
  activateBrand: { method: "POST", path: "/v1/brands/{brand-id}/actions/activate", usedBy: "adapter" },
  getWebhooks: { method: "GET", path: "/v1/webhooks", usedBy: "adapter" },
  createWebhook: { method: "POST", path: "/v1/webhooks", usedBy: "adapter" },
  getReloads: { method: "GET", path: "/v1/reloads", usedBy: "adapter" },
  queueReload: { method: "POST", path: "/v1/reloads", usedBy: "adapter" },
  getReload: { method: "GET", path: "/v1/reloads/{reloadId}", usedBy: "adapter" },
  getSpaces: { method: "GET", path: "/v1/spaces", usedBy: "adapter" },
  createSpace: { method: "POST", path: "/v1/spaces", usedBy: "adapter" },
  getSpace: { method: "GET", path: "/v1/spaces/{spaceId}", usedBy: "emulator" },
  /** A shared-tenant customer's offboard removes its spaces. */
  deleteSpace: { method: "DELETE", path: "/v1/spaces/{spaceId}", usedBy: "adapter" },
  getSpaceAssignments: { method: "GET", path: "/v1/spaces/{spaceId}/assignments", usedBy: "adapter" },
  createSpaceAssignment: { method: "POST", path: "/v1/spaces/{spaceId}/assignments", usedBy: "adapter" },
  deleteSpaceAssignment: { method: "DELETE", path: "/v1/spaces/{spaceId}/assignments/{assignmentId}", usedBy: "adapter" },
  deleteGroup: { method: "DELETE", path: "/v1/groups/{groupId}", usedBy: "adapter" },
  /** Members of a shared tenant's customer group (their e-mail addresses are checked for dummies). */
  getUsers: { method: "GET", path: "/v1/users", usedBy: "adapter" },
  /** A shared-tenant customer's offboard removes the anonymous users of its group. */
  deleteUser: { method: "DELETE", path: "/v1/users/{userId}", usedBy: "adapter" },
  /** The collaboration features a shared tenant turns off: notes, sharing and report subscriptions, data alerts. */
  getNotesSettings: { method: "GET", path: "/v1/notes/settings", usedBy: "adapter" },
  setNotesSettings: { method: "PUT", path: "/v1/notes/settings", usedBy: "adapter" },
  getSharingTasksSettings: { method: "GET", path: "/v1/sharing-tasks/settings", usedBy: "adapter" },
  updateSharingTasksSettings: { method: "PATCH", path: "/v1/sharing-tasks/settings", usedBy: "adapter" },
  getDataAlertsSettings: { method: "GET", path: "/v1/data-alerts/settings", usedBy: "adapter" },
  setDataAlertsSettings: { method: "PUT", path: "/v1/data-alerts/settings", usedBy: "adapter" },
  getMyUser: { method: "GET", path: "/v1/users/me", usedBy: "adapter" },
  /** Reached by the adapter through getMyUser's redirect. */
  getUser: { method: "GET", path: "/v1/users/{userId}", usedBy: "adapter" },
  getItems: { method: "GET", path: "/v1/items", usedBy: "adapter" },
  getAppInfo: { method: "GET", path: "/v1/apps/{appId}", usedBy: "adapter" },
  deleteApp: { method: "DELETE", path: "/v1/apps/{appId}", usedBy: "adapter" },
  exportApp: { method: "POST", path: "/v1/apps/{appId}/export", usedBy: "adapter" },
  downloadTempFile: { method: "GET", path: "/v1/temp-contents/{id}", usedBy: "adapter" },
  importApp: { method: "POST", path: "/v1/apps/import", usedBy: "adapter" },
  publishApp: { method: "POST", path: "/v1/apps/{appId}/publish", usedBy: "adapter" },
  republishApp: { method: "PUT", path: "/v1/apps/{appId}/publish", usedBy: "adapter" },
} as const satisfies Record<string, QlikOperation>;

export type QlikOperationId = keyof typeof qlikOperations;

/**
 * Operations Qlik answers with a redirect that the HTTP client follows by itself: one call of ours,
 * two requests Qlik counts, so the caller takes a gate slot for the redirect's target too.
 */
export const redirectsTo: Partial<Record<QlikOperationId, QlikOperationId>> = { getMyUser: "getUser", getMyTenant: "getTenant" };

/**
 * Operations the specification puts in a "special" tier: a limit of the endpoint's own, counted apart
 * from tiers 1 and 2 (POST /v1/reloads: 50 a minute per tenant, where tier 2 allows 100). The gate
 * paces them in its "special" tier, one budget per host at the lowest of their limits (one endpoint
 * today). An operation of that tier not listed here is refused by tierOf, so using one is a decision.
 */
export const specialTierOperations: ReadonlySet<QlikOperationId> = new Set<QlikOperationId>(["queueReload"]);

/**
 * Operations qoem uses that Qlik's published REST specification does not contain, with the tier
 * the documentation gives them. The vendored subset cannot check these.
 */
export const offSpecOperations = {
  listOrgTenants: { method: "GET", path: "/api/core/tenants", tier: "tier1", why: "the organisation API on console.qlikcloud.com is not in qlik-cloud-rest.json; tier 1 per qlik.dev's rate-limit page" },
  getOrgTenant: { method: "GET", path: "/api/core/tenants/{tenantId}", tier: "tier1", why: "as listOrgTenants" },
} as const;
export type OffSpecOperationId = keyof typeof offSpecOperations;
