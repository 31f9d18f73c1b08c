/**
 * The adapters' readers-writer lock, shared by every qoem process on one Redis. A writer flag
 * (SET NX PX, renewed, owner-checked) and a reader count (a hash of holder -> expiry, so a crashed
 * reader's share lapses on its own), both decided atomically in Lua.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { transient, type Mutex } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";
import { releaseIfOwner as releaseWriter, renewIfOwner as renewWriter } from "./owned-key-scripts.ts";
import { evalScript } from "./eval-script.ts";

// KEYS: writer, readers. ARGV: holder, ttl. Takes a share unless a writer holds or waits.
const takeShared = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 2)
return 1
`;
// KEYS: readers. ARGV: holder, ttl. Renews a share on Redis's clock and keeps the readers key alive as
// long as any holder works (its own expiry was the lapse that let a writer in beside a live reader).
const renewShared = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
`;
// KEYS: readers. Counts live shares (dropping lapsed ones).
const liveReaders = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < now then redis.call('HDEL', KEYS[1], all[i]) else live = live + 1 end
end
return live
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RedisMutex implements Mutex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs = 30_000,
    private readonly maxWaitMs = 120_000,
  ) {}

  async shared<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const writer = this.keys.mutex(`${name}:writer`);
    const readers = this.keys.mutex(`${name}:readers`);
    const holder = randomBytes(12).toString("hex");
    const deadline = Date.now() + this.maxWaitMs;
    let delay = 5;
    while (Number(await evalScript(this.redis, takeShared, 2, writer, readers, holder, String(this.ttlMs))) !== 1) {
      if (Date.now() > deadline) throw transient(`waited too long for ${name}`);
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
    const timer = setInterval(() => void evalScript(this.redis, renewShared, 1, readers, holder, String(this.ttlMs)).catch(() => undefined), Math.floor(this.ttlMs / 3));
    timer.unref();
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      await this.redis.hdel(readers, holder).catch(() => undefined);
    }
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const writer = this.keys.mutex(`${name}:writer`);
    const readers = this.keys.mutex(`${name}:readers`);
    const owner = randomBytes(12).toString("hex");
    const deadline = Date.now() + this.maxWaitMs;
    let delay = 10;
    while ((await this.redis.set(writer, owner, "PX", this.ttlMs, "NX")) !== "OK") {
      if (Date.now() > deadline) throw transient(`waited too long for ${name}`);
      await sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
    const timer = setInterval(() => void evalScript(this.redis, renewWriter, 1, writer, owner, String(this.ttlMs)).catch(() => undefined), Math.floor(this.ttlMs / 3));
    timer.unref();
    try {
      delay = 5;
      while (Number(await evalScript(this.redis, liveReaders, 1, readers)) > 0) {
        if (Date.now() > deadline) throw transient(`waited too long for ${name}`);
        await sleep(delay);
        delay = Math.min(delay * 2, 200);
      }
      return await fn();
    } finally {
      clearInterval(timer);
      await evalScript(this.redis, releaseWriter, 1, writer, owner).catch(() => undefined);
    }
  }
}
