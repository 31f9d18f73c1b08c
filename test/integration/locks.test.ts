// Locks that hold for as long as their holder works, and a holder that learns when it lost its lock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisMutex } from "../../src/core/redis-mutex.ts";
import { CustomerLock } from "../../src/core/customer-lock.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { fencedHset, superseded } from "../../src/core/execution-fence.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("locks");
const keys = new RedisKeys(prefix);
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the tenant-creation readers-writer lock", () => {
  it("keeps a long shared holder's share alive past the readers key's own expiry, so no writer runs beside it", async () => {
    const mutex = new RedisMutex(redis, keys, 301, 20_000);
    const events: string[] = [];
    const readersKey = keys.mutex("tenant-create:eu:readers");
    const seen: number[] = [];
    const reader = mutex.shared("tenant-create:eu", async () => {
      events.push("reader in");
      // Far longer than twice the TTL, which is when the readers key would lapse without renewal;
      // the share must be visible the whole time, or a writer polling then would run beside it.
      const until = Date.now() + 1_500;
      while (Date.now() < until) {
        seen.push(await redis.hlen(readersKey));
        await sleep(10);
      }
      events.push("reader out");
    });
    await sleep(100);
    const writer = mutex.exclusive("tenant-create:eu", async () => {
      events.push("writer in");
    });
    await Promise.all([reader, writer]);
    expect(events).toEqual(["reader in", "reader out", "writer in"]);
    expect(seen.length).toBeGreaterThan(50);
    expect(Math.min(...seen)).toBe(1);
  });
});

describe("the customer lock", () => {
  it("belongs to one execution: a second execution of the same job waits, and the fencing token grows", async () => {
    const lock = new CustomerLock(redis, keys, 5_000);
    const first = await lock.acquire("acme", "onboard.acme.eu@token-1");
    expect(first).toBeDefined();
    expect(await lock.acquire("acme", "onboard.acme.eu@token-2")).toBeUndefined();
    await first!.release();
    const second = await lock.acquire("acme", "onboard.acme.eu@token-2");
    expect(Number(second!.value.split(":")[0])).toBeGreaterThan(Number(first!.value.split(":")[0]));
    await second!.release();
  });

  it("tells its holder when a renewal finds the lock gone, and refuses the holder's fenced writes from then on", async () => {
    const lock = new CustomerLock(redis, keys, 300);
    const held = (await lock.acquire("globex", "job@1"))!;
    const fence = { checks: [{ key: held.key, value: held.value }], signal: held.signal };
    await fencedHset(redis, fence, keys.customer("globex"), { note: "first" }, "a write");
    // Someone else takes the customer after the lock lapsed (a Redis outage longer than its TTL).
    await redis.set(held.key, "999:someone-else", "PX", 5_000);
    await expect.poll(() => held.signal.aborted, { timeout: 5_000 }).toBe(true);
    await expect(fencedHset(redis, fence, keys.customer("globex"), { note: "late" }, "a late write")).rejects.toMatchObject({ code: "superseded" });
    expect(await redis.hget(keys.customer("globex"), "note")).toBe("first");
    await held.release();
    expect(await redis.get(held.key)).toBe("999:someone-else");
    expect(superseded("x").retryable).toBe(false);
  });
});
