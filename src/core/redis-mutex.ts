/**
 * A mutex shared by every qoem process on one Redis (the adapters' `Mutex`): SET NX PX with an
 * owner token, renewed while held, released only by its owner, expiring if the owner dies.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { transient, type Mutex } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";

const releaseScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const renewScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export class RedisMutex implements Mutex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs = 30_000,
    private readonly maxWaitMs = 120_000,
  ) {}

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const key = this.keys.mutex(name);
    const owner = randomBytes(12).toString("hex");
    const deadline = Date.now() + this.maxWaitMs;
    let delay = 10;
    while ((await this.redis.set(key, owner, "PX", this.ttlMs, "NX")) !== "OK") {
      if (Date.now() > deadline) throw transient(`waited too long for ${name}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 200);
    }
    const timer = setInterval(() => void this.redis.eval(renewScript, 1, key, owner, String(this.ttlMs)).catch(() => undefined), Math.floor(this.ttlMs / 3));
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      await this.redis.eval(releaseScript, 1, key, owner).catch(() => undefined);
    }
  }
}
