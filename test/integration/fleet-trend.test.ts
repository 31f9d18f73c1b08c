// App Home's 24-hour trend on a real Redis: hourly counts per place, the last sweep of an hour wins,
// hours without a sweep are gaps, and nothing is kept much past a day.
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { FleetTrend, HOUR_MS } from "../../src/core/fleet-trend.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("trend");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const keys = new RedisKeys(prefix);
afterAll(async () => {
  await deletePrefix(prefix);
  await redis.quit();
});

describe("the fleet trend", () => {
  it("keeps each hour's last count per place, oldest first, with gaps and a bounded life", async () => {
    const trend = new FleetTrend(redis, keys);
    const now = Date.parse("2026-11-29T12:30:00Z");
    await trend.record({ eu: 10, local: 2 }, now - 30 * HOUR_MS); // older than a day: not shown
    await trend.record({ eu: 11 }, now - 23 * HOUR_MS);
    await trend.record({ eu: 12 }, now - 2 * HOUR_MS);
    await trend.record({ eu: 13, local: 3 }, now - 5 * 60_000);
    await trend.record({ eu: 14 }, now); // same hour: the later sweep wins
    const series = await trend.last24h(now);
    expect(series.get("eu")).toEqual([11, ...Array(20).fill(undefined), 12, undefined, 14]);
    expect(series.get("local")).toEqual([...Array(23).fill(undefined), 3]);
    const ttl = await redis.ttl(keys.fleetTrend(Math.floor(now / HOUR_MS)));
    expect(ttl).toBeGreaterThan(24 * 3600);
    expect(ttl).toBeLessThanOrEqual(26 * 3600);
  });
});
