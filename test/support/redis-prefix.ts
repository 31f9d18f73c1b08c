// Each test file works under its own Redis key prefix and deletes every key under it afterwards.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";

/** In a test, the Redis the global setup chose for the run (test/support/provide-redis.ts); in a benchmark, REDIS_URL's. */
export const REDIS_URL = process.env.VITEST_WORKER_ID ? inject("redisUrl") : (process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

export const testPrefix = (name: string) => `qoem-test-${name}-${randomBytes(4).toString("hex")}`;

export async function deletePrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `{${prefix}}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    await redis.quit();
  }
  return deleted;
}
