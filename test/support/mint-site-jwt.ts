// Mints an RS256 JWT as an OEM's backend would for a client-managed site's virtual proxy, signed with the emulator's test key by default.
import { sign } from "node:crypto";
import { emulatorJwtPrivateKey } from "../../adapters/client-managed/emulator/emulator-jwt-signer.ts";

export function mintSiteJwt(claims: Record<string, unknown>, privateKeyPem = emulatorJwtPrivateKey): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "RS256", typ: "JWT" })}.${part({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })}`;
  return `${body}.${sign("sha256", Buffer.from(body), privateKeyPem).toString("base64url")}`;
}
