/**
 * A rate gate shared by every qoem process on one Redis: a sliding window per (host, tier), kept
 * in a sorted set and decided atomically in Lua with Redis's own clock, so many workers on many
 * machines together stay under Qlik's limits instead of each spending the whole budget.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateGate } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";

const takeScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
`;

const doneScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
`;

export interface TierLimits {
  tier1: { max: number; windowMs: number } | null;
  tier2: { max: number; windowMs: number } | null;
}

export class RedisRateGate implements RateGate {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: TierLimits,
  ) {}

  async wait(host: string, tier: "tier1" | "tier2"): Promise<() => void> {
    const limit = this.limits[tier];
    if (!limit) return () => undefined;
    const key = this.keys.rate(tier, host);
    const member = `${Date.now()}-${randomBytes(6).toString("hex")}`;
    for (;;) {
      const waitMs = Number(await this.redis.eval(takeScript, 1, key, String(limit.windowMs), String(limit.max), member));
      if (waitMs <= 0) return () => void this.redis.eval(doneScript, 1, key, member).catch(() => undefined);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
