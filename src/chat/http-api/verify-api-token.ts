// Bearer tokens of the provisioning API: configured as SHA-256 hashes, compared in constant time; never stored or logged in the clear.
import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiScope, ApiToken } from "../../config.ts";

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** The configured token a request's `Authorization: Bearer …` header carries, or undefined. */
export function verifyApiToken(header: string | undefined, tokens: readonly ApiToken[]): ApiToken | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/.exec(header ?? "");
  if (!match) return undefined;
  const hash = Buffer.from(hashToken(match[1]!), "hex");
  let found: ApiToken | undefined;
  // Every configured hash is compared, so the time taken says nothing about which one matched.
  for (const t of tokens) if (timingSafeEqual(hash, Buffer.from(t.sha256, "hex"))) found = t;
  return found;
}

export const hasScope = (token: ApiToken, scope: ApiScope) => token.scopes.includes(scope);
