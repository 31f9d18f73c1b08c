/**
 * A rate gate shared by every qoem process on one Redis: a sliding window per (host, tier), kept
 * in a sorted set and decided atomically in Lua with Redis's own clock, so many workers on many
 * machines together stay under Qlik's limits instead of each spending the whole budget.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateGate } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";
import { currentFence, fenceHolds, superseded } from "./execution-fence.ts";
import { evalScript } from "./eval-script.ts";

// KEYS: window, then the calling execution's fence keys. ARGV: window, max, member, hold, then the fence values.
// -1 when the fence no longer holds: a superseded execution sends nothing more to Qlik.
// A slot taken is scored `now + hold` while its call is in flight, so it never ages out of the window
// (nor expires with the key) before the call is answered, however long the call takes: Qlik counts the
// request when it arrives, which may be long after the slot was taken. The answer rescores it (doneScript),
// and the slot frees one window after that. A waiter behind calls in flight looks again within a window.
const takeScript = `
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[i + 3] then return -1 end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local hold = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + hold + 1000)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then return window end
return oldest + window - now + 1
`;

// KEYS: window. ARGV: member, window, hold. The call was answered: its slot counts from now.
const doneScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]) + 1000)
return 0
`;

/**
 * How long a slot stays taken by a call never answered (its process died mid-call): longer than any
 * call qoem makes, short enough that a crash does not stop a host's calls for long.
 */
export const IN_FLIGHT_HOLD_MS = 5 * 60_000;

export interface TierLimits {
  tier1: { max: number; windowMs: number } | null;
  tier2: { max: number; windowMs: number } | null;
  /** Qlik's special tier (POST /v1/reloads), a budget of its own; absent or null: not limited. */
  special?: { max: number; windowMs: number } | null;
}

/** How long one call waited for its slot (told for limited tiers only; metrics). */
export type OnGateWait = (wait: { host: string; tier: "tier1" | "tier2" | "special"; seconds: number }) => void;

export class RedisRateGate implements RateGate {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: TierLimits,
    private readonly onWait?: OnGateWait,
  ) {}

  /**
   * Resolves when one more call is allowed. Inside an operation's execution (core's `currentFence`),
   * the fence is checked in the same Lua call, so an execution that lost its lock never sends another
   * request to Qlik: it fails with `superseded` instead.
   */
  async wait(host: string, tier: "tier1" | "tier2" | "special"): Promise<() => void> {
    const fence = currentFence.getStore();
    if (fence?.signal?.aborted) throw superseded("the customer's lock was lost");
    const limit = this.limits[tier] ?? null;
    if (!limit) {
      if (fence && !(await fenceHolds(this.redis, fence))) throw superseded("another execution took over");
      return () => undefined;
    }
    const key = this.keys.rate(tier, host);
    const member = `${Date.now()}-${randomBytes(6).toString("hex")}`;
    const checks = fence?.checks ?? [];
    const asked = Date.now();
    for (;;) {
      const waitMs = Number(await evalScript(this.redis, takeScript, 1 + checks.length, key, ...checks.map((c) => c.key), String(limit.windowMs), String(limit.max), member, String(IN_FLIGHT_HOLD_MS), ...checks.map((c) => c.value)));
      if (waitMs === -1) throw superseded("another execution took over");
      if (waitMs <= 0) {
        this.onWait?.({ host, tier, seconds: (Date.now() - asked) / 1000 });
        return () => void evalScript(this.redis, doneScript, 1, key, member, String(limit.windowMs), String(IN_FLIGHT_HOLD_MS)).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
