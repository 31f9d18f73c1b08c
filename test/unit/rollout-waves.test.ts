// A rollout's waves and its estimate where customers share a host: a shared tenant's customers never split across waves, and their host's limits bound a wave's time.
import { describe, expect, it } from "vitest";
import { planWaves } from "../../src/core/plan-rollout.ts";
import { RELOADS_PER_CUSTOMER, sharedHostFloorMs, TIER2_PER_CUSTOMER } from "../../src/core/dry-run-rollout.ts";

const names = (n: number, prefix = "c") => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);

describe("planWaves", () => {
  it("makes a canary, then 5% and 25% of all customers, then the rest, when no customers go together", () => {
    const waves = planWaves(names(100), 5);
    expect(waves.map((w) => w.length)).toEqual([5, 5, 25, 65]);
    expect(waves.flat()).toEqual(names(100));
    expect(planWaves(names(3), 0).map((w) => w.length)).toEqual([1, 1, 1]);
    expect(planWaves([], 5)).toEqual([]);
  });

  it("keeps a shared tenant's customers in the wave its first customer falls in, whatever the wave's size", () => {
    const customers = ["a", "b", "s1", "s2", "s3", "z"].sort();
    const together = (c: string) => (c.startsWith("s") ? "shared:oem" : undefined);
    // Canary of 3: a, b, then the whole shared tenant (s1, s2, s3) rather than s1 alone.
    expect(planWaves(customers, 3, together)).toEqual([["a", "b", "s1", "s2", "s3"], ["z"]]);
    // Canary of 1: a; then 5% (one customer) is b; 25% (two) takes the shared tenant whole.
    expect(planWaves(customers, 1, together)).toEqual([["a"], ["b"], ["s1", "s2", "s3"], ["z"]]);
    // Two shared tenants interleaved by name stay apart from each other and whole.
    const two = (c: string) => (c.endsWith("x") ? "shared:x" : c.endsWith("y") ? "shared:y" : undefined);
    const waves = planWaves(["ax", "by", "cx", "dy", "e"], 1, two);
    expect(waves).toEqual([["ax", "cx"], ["by", "dy"], ["e"]]);
  });
});

describe("sharedHostFloorMs", () => {
  const limits = { tier2: { max: 100, windowMs: 60_000 }, special: { max: 50, windowMs: 60_000 } };

  it("adds nothing while a shared host's calls fit one window of Qlik's limits (nine customers at most)", () => {
    expect(9 * TIER2_PER_CUSTOMER).toBeLessThanOrEqual(100);
    expect(9 * RELOADS_PER_CUSTOMER).toBeLessThanOrEqual(50);
    expect(sharedHostFloorMs([9, 4], limits)).toBe(0);
    expect(sharedHostFloorMs([], limits)).toBe(0);
  });

  it("waits a window for each budget's worth of calls past the first, in the tighter tier, for the busiest shared host", () => {
    const tight = { tier2: { max: 4, windowMs: 10_000 }, special: { max: 1, windowMs: 10_000 } };
    // 3 customers: 9 tier-2 calls (3 windows, 2 waited), 3 reloads (3 windows, 2 waited): 20 s.
    expect(sharedHostFloorMs([3], tight)).toBe(20_000);
    // The busiest host decides; hosts are paced apart.
    expect(sharedHostFloorMs([1, 5], tight)).toBe(40_000);
    expect(sharedHostFloorMs([5], { tier2: null })).toBe(0);
  });
});
