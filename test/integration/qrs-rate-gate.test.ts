// A site's repository has a rate gate of its own: a bulk onboard or a sweep cannot flood it, and the adapter's calls still pass.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisRateGate } from "../../src/core/redis-rate-gate.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { DEFAULT_QRS_REQUESTS_PER_MINUTE, readConfig } from "../../src/config.ts";
import { siteGateLimits } from "../../src/create-adapters.ts";
import { expectedSite, runSiteSteps, siteContents, siteRequest, startSiteFixture } from "../support/site-fixture.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("qrs-gate");
let redis: Redis;
let fixture: Awaited<ReturnType<typeof startSiteFixture>> | undefined;
beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

/** The most requests that arrived within any `windowMs` (on the emulator's clock). */
function busiestWindow(arrivals: number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

const customers = ["alpha", "bravo", "charlie"];
const site = { kind: "client-managed" as const, site: "onprem" };

async function bulkOnboardAndSweep(f: NonNullable<typeof fixture>) {
  await Promise.all(customers.map((c) => runSiteSteps(f.adapter, siteRequest(c))));
  return Promise.all(customers.map((c) => f.adapter.health({ customer: c, target: site })));
}

describe("the repository's rate gate", () => {
  it("takes each site's limit from the config, 600 calls a minute when it says nothing, and refuses a limit that is no count", () => {
    const yaml = (extra: string) => `sites:\n  fra:\n    engineUrl: wss://fra.example.com:4747\n    qrsUrl: https://fra.example.com:4242\n${extra}  ber:\n    engineUrl: wss://ber.example.com:4747\n    qrsUrl: https://ber.example.com:4242\n`;
    const config = readConfig({ QOEM_CONFIG: "x" }, () => yaml("    qrsRequestsPerMinute: 120\n"));
    expect(siteGateLimits(config, "fra")).toEqual({ tier1: { max: 120, windowMs: 60_000 }, tier2: null });
    expect(DEFAULT_QRS_REQUESTS_PER_MINUTE).toBe(600);
    expect(siteGateLimits(config, "ber")).toEqual({ tier1: { max: 600, windowMs: 60_000 }, tier2: null });
    expect(() => readConfig({ QOEM_CONFIG: "x" }, () => yaml("    qrsRequestsPerMinute: 0\n"))).toThrow(/sites\.fra\.qrsRequestsPerMinute/);
  });

  it("holds a bulk onboard and a sweep of one site to its limit in every window, and every call passes", async () => {
    const limit = { max: 25, windowMs: 1_500 };
    const gate = new RedisRateGate(redis, new RedisKeys(prefix), { tier1: limit, tier2: null });
    const gated: string[] = [];
    fixture = await startSiteFixture({}, {}, (name) => {
      gated.push(name);
      return gate;
    });
    const reports = await bulkOnboardAndSweep(fixture);
    for (const c of customers) expect(siteContents(fixture.emulator, c)).toEqual(expectedSite(c));
    for (const r of reports) expect(r).toMatchObject({ verdict: "green", reasons: [] });
    expect(gated).toEqual(["onprem"]);
    expect(fixture.emulator.stats.qrsArrivals.length).toBeGreaterThan(2 * limit.max);
    expect(busiestWindow(fixture.emulator.stats.qrsArrivals, limit.windowMs)).toBeLessThanOrEqual(limit.max);
  });

  it("is what holds it: the same work without a gate sends more than the limit in one window", async () => {
    fixture = await startSiteFixture();
    await bulkOnboardAndSweep(fixture);
    expect(busiestWindow(fixture.emulator.stats.qrsArrivals, 1_500)).toBeGreaterThan(25);
  });
});
