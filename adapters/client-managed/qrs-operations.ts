/**
 * Every QRS operation the client-managed adapter calls: method and path template as Qlik's QRS
 * specification (qrs-repository.json, basePath /qrs) writes them. The vendoring script
 * (scripts/vendor-qlik-specs.ts) cuts the specification to these; a test checks that the adapter
 * sends nothing else.
 */
import type { HttpMethod } from "../qlik-cloud/qlik-operations.ts";

export const qrsOperations: ReadonlyArray<{ method: HttpMethod; path: string }> = [
  { method: "GET", path: "/app/full" },
  { method: "PUT", path: "/app/{id}" },
  { method: "DELETE", path: "/app/{id}" },
  { method: "POST", path: "/app/{id}/copy" },
  { method: "PUT", path: "/app/{id}/publish" },
  { method: "PUT", path: "/app/{id}/replace" },
  { method: "GET", path: "/custompropertydefinition/full" },
  { method: "POST", path: "/custompropertydefinition" },
  { method: "PUT", path: "/custompropertydefinition/{id}" },
  { method: "GET", path: "/engineservice/full" },
  { method: "GET", path: "/proxyservice/full" },
  { method: "PUT", path: "/proxyservice/{id}" },
  { method: "GET", path: "/reloadtask/full" },
  { method: "GET", path: "/servicestatus/full" },
  { method: "GET", path: "/stream/full" },
  { method: "POST", path: "/stream" },
  { method: "DELETE", path: "/stream/{id}" },
  { method: "GET", path: "/systemrule/full" },
  { method: "POST", path: "/systemrule" },
  { method: "PUT", path: "/systemrule/{id}" },
  { method: "DELETE", path: "/systemrule/{id}" },
  { method: "GET", path: "/virtualproxyconfig/full" },
  { method: "POST", path: "/virtualproxyconfig" },
  { method: "PUT", path: "/virtualproxyconfig/{id}" },
  { method: "DELETE", path: "/virtualproxyconfig/{id}" },
];

/** The template a request path (`/qrs/app/<guid>/copy`) matches, if any. */
export function qrsOperationOf(method: string, path: string): { method: HttpMethod; path: string } | undefined {
  return qrsOperations.find((op) => op.method === method && new RegExp(`^/qrs${op.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path));
}
