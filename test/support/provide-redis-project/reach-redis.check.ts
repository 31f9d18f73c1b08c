// Run by the nested vitest only: a forked worker reaches the Redis that the global setup provided.
import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { REDIS_URL } from "../redis-prefix.ts";

it("reaches the provided Redis, not the dead REDIS_URL", async () => {
  expect(REDIS_URL).not.toBe(process.env.REDIS_URL);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    expect(await redis.ping()).toBe("PONG");
    process.stdout.write(`worker used ${REDIS_URL}\n`);
  } finally {
    redis.disconnect();
  }
});
