/**
 * Qlik's rate limits as the emulator enforces them: per tier, per caller, per host, each tier
 * metered over a sliding window (Qlik: per-minute limits metered over 5 minutes). When a tier is
 * exhausted every route of that tier answers 429 with Retry-After until the window frees a slot.
 */
/** Qlik's tiers 1 and 2, and its special tier (per-endpoint limits: POST /v1/reloads 50 a minute). */
export type Tier = "tier1" | "tier2" | "special";

export interface TierLimit {
  /** Requests allowed per window. */
  max: number;
  windowMs: number;
}

/** Per tier; the special tier may be left out (not limited). */
export type RateLimits = Record<"tier1" | "tier2", TierLimit | null> & { special?: TierLimit | null };

/** Qlik's documented limits: tier 1 1,000/min, tier 2 100/min and POST /v1/reloads 50/min, each metered over 5 minutes. */
export const qlikRateLimits: RateLimits = {
  tier1: { max: 5000, windowMs: 300_000 },
  tier2: { max: 500, windowMs: 300_000 },
  special: { max: 250, windowMs: 300_000 },
};

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly startedAt = Date.now();
  counted429 = 0;
  /** Calls let through, per `tier|key`: what a benchmark needs to compute its bound. */
  readonly allowed = new Map<string, number>();
  /** Calls answered 429, per `tier|key`: which bucket a caller overran. */
  readonly refused = new Map<string, number>();

  constructor(public limits: RateLimits) {}

  /** Returns 0 when allowed (and counts the call), else the milliseconds to wait. */
  take(key: string, tier: Tier, now = Date.now()): number {
    const limit = this.limits[tier];
    if (!limit) return 0;
    const id = `${tier}|${key}`;
    let log = this.windows.get(id);
    if (!log) {
      log = [];
      this.windows.set(id, log);
    }
    const cutoff = now - limit.windowMs;
    let drop = 0;
    while (drop < log.length && log[drop]! <= cutoff) drop++;
    if (drop) log.splice(0, drop);
    if (log.length >= limit.max) {
      this.counted429++;
      this.refused.set(id, (this.refused.get(id) ?? 0) + 1);
      return Math.max(1, log[0]! + limit.windowMs - now);
    }
    log.push(now);
    this.allowed.set(id, (this.allowed.get(id) ?? 0) + 1);
    return 0;
  }

  /**
   * The least time the limits in force allow for the calls let through so far: per bucket, the
   * first `max` calls go at once and each further `max` waits one window.
   */
  boundMs(): number {
    let bound = 0;
    for (const [id, n] of this.allowed) {
      const limit = this.limits[id.split("|")[0] as Tier];
      if (!limit || n === 0) continue;
      bound = Math.max(bound, Math.floor((n - 1) / limit.max) * limit.windowMs);
    }
    return bound;
  }

  reset(): void {
    this.allowed.clear();
    this.refused.clear();
    this.windows.clear();
    this.counted429 = 0;
  }

  get uptimeMs(): number {
    return Date.now() - this.startedAt;
  }
}
