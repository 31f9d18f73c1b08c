// An emulator route for one operation of Qlik's specification: method, path and rate-limit tier come from the vendored subset.
import { qlikOperations, type QlikOperationId } from "../qlik-operations.ts";
import { tierOf } from "../spec/read-qlik-spec.ts";
import type { HostKind, Route } from "./route.ts";

/** `/v1/tenants/{tenantId}` -> `^/api/v1/tenants/([^/]+)$`: one capture per path parameter, in order. */
export function templateToRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "([^/]+)" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^/api${source}$`);
}

export function specRoute(operation: QlikOperationId, hosts: HostKind[], handle: Route["handle"]): Route {
  const { method, path } = qlikOperations[operation];
  return { method, path: templateToRegExp(path), hosts, tier: tierOf(operation), auth: true, operation, handle };
}
