/**
 * Per-customer lock: two operations on one customer never run at once. `SET NX PX` with the
 * owner's id, renewed while the operation runs, released only by its owner (atomic Lua), and
 * expiring on its own if the owner dies, so a crash never leaves a customer stuck.
 */
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.ts";
import { releaseIfOwner as releaseScript, renewIfOwner as renewScript } from "./owned-key-scripts.ts";

export interface HeldLock {
  release(): Promise<void>;
}

export class CustomerLock {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs = 60_000,
  ) {}

  /** Takes the lock for `owner` (re-entrant for the same owner); undefined when someone else holds it. */
  async acquire(customer: string, owner: string): Promise<HeldLock | undefined> {
    const key = this.keys.lock(customer);
    const ok = await this.redis.set(key, owner, "PX", this.ttlMs, "NX");
    if (ok !== "OK") {
      const renewed = await this.redis.eval(renewScript, 1, key, owner, String(this.ttlMs));
      if (renewed !== 1) return undefined;
    }
    const timer = setInterval(() => {
      this.redis.eval(renewScript, 1, key, owner, String(this.ttlMs)).catch(() => undefined);
    }, Math.floor(this.ttlMs / 3));
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await this.redis.eval(releaseScript, 1, key, owner);
      },
    };
  }

  holder(customer: string): Promise<string | null> {
    return this.redis.get(this.keys.lock(customer));
  }
}
