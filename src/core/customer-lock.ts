/**
 * Per-customer lock: two operations on one customer never run at once. The lock belongs to one
 * execution (not to a job id): `SET NX PX` with `<fencing token>:<execution>`, where the fencing
 * token grows with every acquisition, renewed while the execution works, released only by its
 * owner (atomic Lua), and expiring on its own if the owner dies. A renewal that finds the lock gone
 * or taken marks the holder as lost and aborts its signal, so the operation stops before its next step.
 */
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.ts";
import { releaseIfOwner as releaseScript, renewIfOwner as renewScript } from "./owned-key-scripts.ts";
import { evalScript } from "./eval-script.ts";

export interface HeldLock {
  key: string;
  /** The value this holder wrote: its fencing token and execution id. */
  value: string;
  /** Aborted when a renewal found that the lock is no longer this holder's. */
  signal: AbortSignal;
  release(): Promise<void>;
}

// KEYS: lock, fence counter. ARGV: execution, ttl. The fenced value, or '' when someone else holds the lock.
const acquireScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return '' end
local token = redis.call('INCR', KEYS[2])
local value = token .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', tonumber(ARGV[2]))
return value
`;

export class CustomerLock {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs = 30_000,
  ) {}

  /** Takes the lock for one execution; undefined when anyone (another execution of the same job too) holds it. */
  async acquire(customer: string, execution: string): Promise<HeldLock | undefined> {
    const key = this.keys.lock(customer);
    const value = String(await evalScript(this.redis, acquireScript, 2, key, this.keys.fence(customer), execution, String(this.ttlMs)));
    if (value === "") return undefined;
    const lost = new AbortController();
    const timer = setInterval(() => {
      evalScript(this.redis, renewScript, 1, key, value, String(this.ttlMs)).then(
        (renewed) => {
          if (Number(renewed) !== 1) {
            clearInterval(timer);
            lost.abort(new Error(`the lock of ${customer} was lost`));
          }
        },
        () => undefined, // Redis unreachable: the next renewal tries again; the fence decides once Redis is back.
      );
    }, Math.floor(this.ttlMs / 3));
    timer.unref();
    return {
      key,
      value,
      signal: lost.signal,
      release: async () => {
        clearInterval(timer);
        await evalScript(this.redis, releaseScript, 1, key, value);
      },
    };
  }

  holder(customer: string): Promise<string | null> {
    return this.redis.get(this.keys.lock(customer));
  }
}
