/**
 * OAuth client-credentials tokens, cached per (host, client) until shortly before they expire.
 * Qlik binds a token to the host that issued it, and @qlik/api's own cache is keyed by client
 * only (see the reference notes), so qoem fetches tokens itself and hands them to @qlik/api in
 * apikey mode. Concurrent callers share one in-flight request. A token request is a Qlik call like
 * any other: it passes the rate gate first, in the tier Qlik's specification gives `/oauth/token`.
 */
import { z } from "zod";
import { QoemError, transient, type OnQlikCall, type QlikCall, type RateGate } from "../port.ts";
import type { HostResolver } from "../hostname-seam.ts";
import { tierOf } from "./spec/read-qlik-spec.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });
const qlikErrorCodes = z.object({ errors: z.array(z.object({ code: z.string().optional() })) });
const EARLY_REFRESH_MS = 60_000;

export interface TokenCacheOptions {
  fetch?: typeof fetch;
  scope?: string;
  /** Paces token requests with every other call to the host (the same gate as the API calls). */
  gate?: RateGate;
  /** Told of every answer (metrics); `hostKind` as the caller counts hosts. */
  onCall?: OnQlikCall;
  hostKind?: (hostname: string) => QlikCall["hostKind"];
}

export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  fetched = 0;

  constructor(
    private readonly resolveHost: HostResolver,
    private readonly options: TokenCacheOptions = {},
  ) {}

  async token(hostname: string, creds: ClientCredentials): Promise<string> {
    const key = `${hostname}|${creds.clientId}`;
    for (let attempt = 0; ; attempt++) {
      const cached = this.tokens.get(key);
      if (cached && cached.expiresAt > Date.now()) return cached.token;
      let pending = this.inflight.get(key);
      const mine = !pending;
      if (!pending) {
        // Sent in this caller's scope, so the rate gate checks this caller's execution fence.
        pending = this.fetchToken(hostname, creds).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      try {
        return await pending;
      } catch (error) {
        // The shared request failed because the operation that sent it lost its lock: not this
        // caller's failure, so it asks for the token itself.
        if (mine || attempt >= 2 || (error as { code?: string }).code !== "superseded") throw error;
      }
    }
  }

  invalidate(hostname: string, creds: ClientCredentials): void {
    this.tokens.delete(`${hostname}|${creds.clientId}`);
  }

  private async fetchToken(hostname: string, creds: ClientCredentials): Promise<string> {
    const body: Record<string, string> = { client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" };
    if (this.options.scope) body.scope = this.options.scope;
    const tier = tierOf("requestOAuthToken");
    const answered = await this.options.gate?.wait(hostname, tier);
    const told = (status: number | "error") => this.options.onCall?.({ hostKind: this.options.hostKind?.(hostname) ?? "tenant", tier: tier === "tier1" ? "1" : tier === "tier2" ? "2" : "special", status });
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(`${this.resolveHost(hostname)}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
      told(res.status);
    } catch (e) {
      told("error");
      throw transient(`could not reach ${hostname} for an OAuth token (${(e as Error).message})`);
    } finally {
      answered?.();
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get("retry-after") ?? "1");
      if (res.status === 429) throw new QoemError("rate_limited", `token request to ${hostname} was rate limited`, { retryAfterMs: (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000 });
      throw transient(`token request to ${hostname} failed with ${res.status}`);
    }
    if (!res.ok) {
      const data: unknown = await res.json().catch(() => undefined);
      // A deactivated tenant may refuse here already, as its API does: that is its status, not the client's credentials.
      if (res.status === 401 && qlikErrorCodes.safeParse(data).data?.errors.some((e) => e.code === "TENANT_DISABLED")) {
        throw new QoemError("permanent", `${hostname}: the tenant is deactivated (Qlik answered TENANT_DISABLED); reactivate it before anything else`, { cause: { status: 401, data } });
      }
      // No host answers at this name (a purged tenant's names are freed with it).
      if (res.status === 404) throw new QoemError("not_found", `no Qlik host answers at ${hostname} (its token endpoint answered 404)`);
      // Never echo the request: it holds the client secret.
      throw new QoemError("config_error", `the OAuth client '${creds.clientId}' was refused by ${hostname} (HTTP ${res.status}); check its credentials in the config`);
    }
    const parsed = tokenAnswer.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw transient(`${hostname} answered the token request without an access_token`);
    const lifetimeMs = (parsed.data.expires_in ?? 3600) * 1000;
    this.tokens.set(`${hostname}|${creds.clientId}`, {
      token: parsed.data.access_token,
      expiresAt: Date.now() + Math.max(lifetimeMs - EARLY_REFRESH_MS, lifetimeMs / 2),
    });
    this.fetched++;
    return parsed.data.access_token;
  }
}
