// An emulator route for one operation of Qlik's specification: method, path and rate-limit tier come from the vendored subset.
import { qlikOperations, type QlikOperationId } from "../qlik-operations.ts";
import { tierOf } from "../spec/read-qlik-spec.ts";
import type { HostKind, Route } from "./route.ts";

/**
 * `/v1/tenants/{tenantId}` -> `^/api/v1/tenants/([^/]+)$`: one capture per path parameter, in order.
 * Only the `/v1` APIs live under `/api`; the OAuth endpoints (`/oauth/token`) are at the host's root.
 */
export function templateToRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "([^/]+)" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${template.startsWith("/v1/") ? "/api" : ""}${source}$`);
}

/** `auth: false` for the one route a caller reaches without a token: the token endpoint itself. */
export function specRoute(operation: QlikOperationId, hosts: HostKind[], handle: Route["handle"], auth = true): Route {
  const { method, path } = qlikOperations[operation];
  return { method, path: templateToRegExp(path), hosts, tier: tierOf(operation), auth, operation, handle };
}
