/**
 * OAuth client-credentials tokens, cached per (host, client) until shortly before they expire.
 * Qlik binds a token to the host that issued it, and @qlik/api's own cache is keyed by client
 * only (see the reference notes), so qoem fetches tokens itself and hands them to @qlik/api in
 * apikey mode. Concurrent callers share one in-flight request.
 */
import { z } from "zod";
import { QoemError, transient } from "../port.ts";
import type { HostResolver } from "../hostname-seam.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });
const EARLY_REFRESH_MS = 60_000;

export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  fetched = 0;

  constructor(
    private readonly resolveHost: HostResolver,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly scope?: string,
  ) {}

  async token(hostname: string, creds: ClientCredentials): Promise<string> {
    const key = `${hostname}|${creds.clientId}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(hostname, creds).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  invalidate(hostname: string, creds: ClientCredentials): void {
    this.tokens.delete(`${hostname}|${creds.clientId}`);
  }

  private async fetchToken(hostname: string, creds: ClientCredentials): Promise<string> {
    const body: Record<string, string> = { client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" };
    if (this.scope) body.scope = this.scope;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.resolveHost(hostname)}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw transient(`could not reach ${hostname} for an OAuth token (${(e as Error).message})`);
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get("retry-after") ?? "1");
      if (res.status === 429) throw new QoemError("rate_limited", `token request to ${hostname} was rate limited`, { retryAfterMs: retryAfter * 1000 });
      throw transient(`token request to ${hostname} failed with ${res.status}`);
    }
    if (!res.ok) {
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
