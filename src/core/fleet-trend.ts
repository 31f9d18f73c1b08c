/**
 * The fleet's size per region and site over the last day, hour by hour: each health sweep records how
 * many customers its place watches into that hour's hash (a later sweep in the same hour overwrites),
 * kept a little over a day. App Home draws it as a sparkline. Two commands per write, one per read hour.
 */
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.ts";

export const HOUR_MS = 3_600_000;
const KEEP_SECONDS = 26 * 3600;

export class FleetTrend {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** How many customers each place (region code or site name) has now. */
  async record(counts: Record<string, number>, at = Date.now()): Promise<void> {
    const entries = Object.entries(counts);
    if (entries.length === 0) return;
    const key = this.keys.fleetTrend(Math.floor(at / HOUR_MS));
    await this.redis.multi().hset(key, Object.fromEntries(entries.map(([k, n]) => [k, String(n)]))).expire(key, KEEP_SECONDS).exec();
  }

  /** Per place, the last 24 hours oldest first (undefined: no sweep recorded that hour). */
  async last24h(at = Date.now()): Promise<Map<string, Array<number | undefined>>> {
    const now = Math.floor(at / HOUR_MS);
    const pipeline = this.redis.pipeline();
    for (let h = now - 23; h <= now; h++) pipeline.hgetall(this.keys.fleetTrend(h));
    const hours = ((await pipeline.exec()) ?? []).map(([, v]) => (v ?? {}) as Record<string, string>);
    const out = new Map<string, Array<number | undefined>>();
    hours.forEach((hour, i) => {
      for (const [where, n] of Object.entries(hour)) {
        const series = out.get(where) ?? Array.from({ length: 24 }, () => undefined);
        const value = Number(n);
        series[i] = Number.isFinite(value) ? value : undefined;
        out.set(where, series);
      }
    });
    return out;
  }
}
