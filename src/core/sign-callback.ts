// Callbacks to the OEM are signed: HMAC-SHA256 over "<timestamp>.<body>" with the configured secret, sent as `Qoem-Signature: t=<unix seconds>,v1=<hex>`.
import { createHmac, timingSafeEqual } from "node:crypto";

export function signCallback(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/**
 * The check a receiver runs (documented in the README): recompute the HMAC over the timestamp and the
 * raw body, compare in constant time, and refuse a timestamp more than `toleranceSeconds` from now.
 */
export function verifyCallback(body: string, header: string, secret: string, toleranceSeconds = 300, now = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(now - t) > toleranceSeconds || !parts.v1 || !/^[0-9a-f]{64}$/.test(parts.v1)) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, "hex"));
}
