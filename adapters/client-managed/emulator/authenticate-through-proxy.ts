/**
 * A session through a JWT virtual proxy (`/<prefix>/app/<id>` with `Authorization: Bearer`), as the
 * proxy service would take it: the prefix must be a virtual proxy linked to a proxy service, with
 * server nodes that run an engine to route to, an Origin its WebSocket whitelist allows, JWT
 * authentication, and an RS256 token its certificate verifies. The user comes from the claim named
 * by `jwtAttributeUserId`; the directory from the claim named by `jwtAttributeUserDirectory`, or, when
 * that is written in brackets (`[ACME]`), is that constant, whatever the token says.
 */
import { X509Certificate, verify } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { QrsVirtualProxy, SiteState } from "./site-state.ts";

export type ProxyVerdict = { identity: string; proxy: QrsVirtualProxy } | { status: number; reason: string };

const JWT_METHOD = 4;

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of an RS256 token the certificate's key signed and that has not expired. */
function verifiedClaims(token: string, certificatePem: string): Record<string, unknown> | undefined {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return undefined;
  if (decodePart(header)?.alg !== "RS256") return undefined;
  let key;
  try {
    key = new X509Certificate(certificatePem).publicKey;
  } catch {
    return undefined;
  }
  if (!verify("sha256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url"))) return undefined;
  const claims = decodePart(payload);
  if (!claims || (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now())) return undefined;
  return claims;
}

/** Whether an Origin header passes the whitelist: an entry equal to the origin or to its host. */
function originAllowed(origin: string | undefined, whitelist: string[]): boolean {
  if (!origin) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return whitelist.some((entry) => entry === origin || entry === host);
}

export function authenticateThroughProxy(state: SiteState, prefix: string, headers: IncomingHttpHeaders): ProxyVerdict {
  const proxy = [...state.virtualProxies.values()].find((v) => v.prefix === prefix);
  const linked = proxy && [...state.proxyServices.values()].some((p) => p.settings.virtualProxies.some((v) => v.id === proxy.id));
  if (!proxy || !linked) return { status: 404, reason: `no virtual proxy /${prefix} is linked to a proxy service` };
  const engineNodes = new Set(state.engineServices.map((e) => e.serverNodeConfiguration.id));
  if (!proxy.loadBalancingServerNodes.some((n) => engineNodes.has(n.id))) return { status: 503, reason: `virtual proxy /${prefix} has no server node with an engine to route to` };
  if (!originAllowed(typeof headers.origin === "string" ? headers.origin : undefined, proxy.websocketCrossOriginWhiteList)) return { status: 403, reason: `origin ${headers.origin} is not in /${prefix}'s websocket whitelist` };
  if (proxy.authenticationMethod !== JWT_METHOD) return { status: 401, reason: `/${prefix} does not authenticate with JWT` };
  const token = /^Bearer (.+)$/i.exec(headers.authorization ?? "")?.[1];
  const claims = token ? verifiedClaims(token, proxy.jwtPublicKeyCertificate) : undefined;
  if (!claims) return { status: 401, reason: "the token is missing, expired or not signed by the proxy's certificate" };
  const constant = /^\[(.+)\]$/.exec(proxy.jwtAttributeUserDirectory)?.[1];
  const userId = claims[proxy.jwtAttributeUserId];
  const directory = constant ?? claims[proxy.jwtAttributeUserDirectory];
  if (typeof userId !== "string" || !userId || typeof directory !== "string" || !directory) return { status: 401, reason: "the token lacks the user or directory attribute" };
  return { identity: `UserDirectory=${directory}; UserId=${userId}`, proxy };
}
