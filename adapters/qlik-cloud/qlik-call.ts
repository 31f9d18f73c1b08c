/**
 * Calls to Qlik Cloud, done once for every endpoint: a cached token per host, one retry after a
 * 401 with a fresh token, and the translation of @qlik/api's InvokeFetchError (status, headers,
 * parsed body) into qoem's error taxonomy. 429 keeps Qlik's Retry-After so the queue can slow down.
 */
import { z } from "zod";
import type { HostConfig } from "@qlik/api/auth";
import { QoemError, type OnQlikCall, type QlikCall, type RateGate } from "../port.ts";
import type { HostResolver } from "../hostname-seam.ts";
import type { ClientCredentials, TokenCache } from "./token-cache.ts";
import { redirectsTo, type QlikOperationId } from "./qlik-operations.ts";
import { tierOf } from "./spec/read-qlik-spec.ts";
import { organizationHost } from "./regions.ts";
import { forgetQlikAnswers } from "./forget-qlik-answers.ts";
import type { HttpSlots } from "./http-slots.ts";

/** The kind of a Qlik Cloud host, for counting calls: a region's register host, the console, or a tenant. */
export function cloudHostKind(hostname: string): QlikCall["hostKind"] {
  if (hostname === organizationHost) return "console";
  return /^register\.[a-z0-9-]+\.qlikcloud\.com$/.test(hostname) ? "register" : "tenant";
}

export const tierLabel = (tier: "tier1" | "tier2" | "special"): QlikCall["tier"] => (tier === "tier1" ? "1" : tier === "tier2" ? "2" : "special");

const fetchError = z.object({
  status: z.number(),
  headers: z.custom<Headers>((h) => typeof (h as Headers | undefined)?.get === "function").optional(),
  data: z.unknown().optional(),
});
const qlikErrors = z.object({ errors: z.array(z.object({ code: z.string().optional(), title: z.string().optional(), detail: z.string().optional(), meta: z.unknown().optional() })) });

export function describeQlikErrors(data: unknown): string {
  const parsed = qlikErrors.safeParse(data);
  if (!parsed.success) return "";
  return parsed.data.errors
    .map((e) => {
      const metas = z.array(z.object({ title: z.string() })).safeParse(Array.isArray(e.meta) ? e.meta : [e.meta]);
      const sub = metas.success ? metas.data.map((m) => m.title).join("; ") : "";
      return [e.title, e.detail, sub].filter(Boolean).join(": ");
    })
    .join("; ");
}

/** Qlik's answer on a deactivated tenant's host: 401 with this code, which is not a credentials problem. */
export const TENANT_DISABLED = "TENANT_DISABLED";

const errorCodes = (data: unknown): string[] => qlikErrors.safeParse(data).data?.errors.flatMap((e) => (e.code ? [e.code] : [])) ?? [];

export function toQoemError(error: unknown, what: string): QoemError {
  if (error instanceof QoemError) return error;
  const parsed = fetchError.safeParse(error);
  if (!parsed.success) return new QoemError("transient", `${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  const { status, headers, data } = parsed.data;
  const detail = describeQlikErrors(data);
  const suffix = detail ? ` (${detail})` : "";
  if (status === 429) {
    const seconds = Number(headers?.get("retry-after") ?? "1");
    return new QoemError("rate_limited", `${what}: Qlik's rate limit was reached`, { retryAfterMs: (Number.isFinite(seconds) ? seconds : 1) * 1000 });
  }
  if (status === 0) return new QoemError("transient", `${what}: the connection to Qlik failed`);
  if (status >= 500) return new QoemError("transient", `${what}: Qlik answered ${status}${suffix}`);
  if (status === 404) return new QoemError("not_found", `${what}: not found${suffix}`);
  if (status === 409) return new QoemError("conflict", `${what}: conflict${suffix}`);
  if (status === 401 && errorCodes(data).includes(TENANT_DISABLED)) {
    return new QoemError("permanent", `${what}: the tenant is deactivated (Qlik answered ${TENANT_DISABLED}); reactivate it before anything else`, { cause: { status, data } });
  }
  if (status === 401 || status === 403) return new QoemError("permanent", `${what}: Qlik refused the credentials or permission (HTTP ${status})${suffix}`);
  return new QoemError("permanent", `${what}: Qlik rejected the request (HTTP ${status})${suffix}`);
}

/** Whether an error is a tenant host's 401 TENANT_DISABLED: the tenant's status, not a credentials problem. */
export function tenantIsDeactivated(error: unknown): boolean {
  const cause = fetchError.safeParse((error as { cause?: unknown } | undefined)?.cause ?? error);
  return cause.success && cause.data.status === 401 && errorCodes(cause.data.data).includes(TENANT_DISABLED);
}

export function statusOf(error: unknown): number | undefined {
  const parsed = fetchError.safeParse(error);
  return parsed.success ? parsed.data.status : undefined;
}

/** A 401 that a fresh token may cure: not one that says the tenant is deactivated. */
function tokenMayBeStale(error: unknown): boolean {
  const parsed = fetchError.safeParse(error);
  return parsed.success && parsed.data.status === 401 && !errorCodes(parsed.data.data).includes(TENANT_DISABLED);
}

/** One page of a Qlik list answer, as @qlik/api returns it. */
export interface PagedAnswer<T> {
  data: { data?: T[]; links?: { next?: { href?: string } } };
}

export class QlikCaller {
  constructor(
    private readonly tokens: TokenCache,
    private readonly resolveHost: HostResolver,
    private readonly gate?: RateGate,
    private readonly onCall?: OnQlikCall,
    /** Caps the exchanges in flight at once (taken after the gate, freed with the answer). */
    private readonly slots?: HttpSlots,
  ) {}

  /**
   * Runs `fn` (one HTTP call of `operation`) with a host config for `hostname`, after the rate gate
   * lets one more call of the operation's tier (from Qlik's specification) through; retries once
   * with a new token after a 401.
   */
  async call<T>(hostname: string, creds: ClientCredentials, what: string, fn: (hostConfig: HostConfig) => Promise<T>, operation: QlikOperationId): Promise<T> {
    const tier = tierOf(operation);
    const redirect = redirectsTo[operation as QlikOperationId];
    for (let attempt = 0; ; attempt++) {
      const apiKey = await this.tokens.token(hostname, creds);
      const answered = await this.gate?.wait(hostname, tier);
      // The redirect the client follows is a request Qlik counts too: it passes the gate in its own tier.
      const redirectAnswered = redirect ? await this.gate?.wait(hostname, tierOf(redirect)) : undefined;
      // onAuthFailed: a 401 becomes a QoemError that says what it means (a deactivated tenant is no
      // credentials problem); without it @qlik/api would also print it to the console.
      const hostConfig: HostConfig = { authType: "apikey", host: this.resolveHost(hostname), apiKey, onAuthFailed: () => undefined };
      const told = (status: number | "error") => this.onCall?.({ hostKind: cloudHostKind(hostname), tier: tierLabel(tier), status });
      try {
        const answer = this.slots ? await this.slots.run(() => fn(hostConfig)) : await fn(hostConfig);
        const status = (answer as { status?: unknown } | undefined)?.status;
        told(typeof status === "number" ? status : 200);
        return answer;
      } catch (error) {
        told(statusOf(error) || "error");
        if (attempt === 0 && tokenMayBeStale(error)) {
          this.tokens.invalidate(hostname, creds);
          continue;
        }
        throw toQoemError(error, what);
      } finally {
        answered?.();
        redirectAnswered?.();
        // Nothing reads @qlik/api's answer cache (every call is noCache): keep it from growing.
        forgetQlikAnswers();
      }
    }
  }
}

/** The items of a Qlik list answer that have the expected shape (others are skipped, not trusted). */
export function validItems<T>(items: unknown[], schema: z.ZodType<T>): T[] {
  return items.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Every item of a paginated list, following `links.next` (cursor parameter `cursorParam`). */
export async function listAll<T>(
  caller: QlikCaller,
  hostname: string,
  creds: ClientCredentials,
  what: string,
  operation: QlikOperationId,
  page: (hostConfig: HostConfig, cursor: string | undefined) => Promise<PagedAnswer<T>>,
  cursorParam = "next",
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const res = await caller.call(hostname, creds, what, (hc) => page(hc, cursor), operation);
    out.push(...(res.data.data ?? []));
    const href = res.data.links?.next?.href;
    const next = href ? new URL(href).searchParams.get(cursorParam) : null;
    if (!next) return out;
    cursor = next;
  }
  throw new QoemError("permanent", `${what}: more than 10,000 pages; giving up`);
}
