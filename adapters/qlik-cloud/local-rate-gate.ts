// An in-process rate gate: a sliding window per (host, tier), the same algorithm Qlik meters with.
import type { RateGate } from "../port.ts";

export interface GateLimits {
  tier1: { max: number; windowMs: number } | null;
  tier2: { max: number; windowMs: number } | null;
}

export class LocalRateGate implements RateGate {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly limits: GateLimits, private readonly marginMs = 25) {}

  async wait(host: string, tier: "tier1" | "tier2"): Promise<() => void> {
    const limit = this.limits[tier];
    if (!limit) return () => undefined;
    const key = `${tier}|${host}`;
    for (;;) {
      const now = Date.now();
      const log = this.windows.get(key) ?? [];
      while (log.length && log[0]! <= now - limit.windowMs - this.marginMs) log.shift();
      if (log.length < limit.max) {
        const slot = log.length;
        log.push(now);
        this.windows.set(key, log);
        return () => {
          // Re-date the slot from the answer; keep the log sorted.
          const i = log.indexOf(now, Math.max(0, slot - limit.max));
          if (i >= 0) {
            log.splice(i, 1);
            log.push(Date.now());
            log.sort((a, b) => a - b);
          }
        };
      }
      await new Promise((r) => setTimeout(r, log[0]! + limit.windowMs + this.marginMs - now + 1));
    }
  }
}
