// A rollout's calls under Qlik's limits: each passes the rate gate in the tier the emulator meters it in
// (the reload in the special tier, a budget apart from tier 2), and the emulator refuses none of them;
// a shared tenant's customers, updated at once, share its one host's budget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { z } from "zod";
import { RedisRateGate } from "../../src/core/redis-rate-gate.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import type { CustomerEnvironment, RateGate } from "../../adapters/port.ts";
import { startCloudFixture } from "../support/cloud-fixture.ts";
import { newCloudVersion } from "../support/rollout-fixture.ts";
import { runAll, SHARED_HOST, sharedEnv, sharedRequest, startSharedFixture } from "../support/shared-fixture.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("rollout-tiers");
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

const TEMPLATE = "Sales Overview";

type Limits = Record<"tier1" | "tier2" | "special", { max: number; windowMs: number }>;

/** A Redis gate a little wider than the emulator's windows, counting every call it lets through by tier and host. */
function countingGate(keyPrefix: string, limits: Limits): { passed: Map<string, number>; counting: RateGate } {
  const wider = (l: { max: number; windowMs: number }) => ({ ...l, windowMs: l.windowMs + 20 });
  const gate = new RedisRateGate(redis, new RedisKeys(keyPrefix), { tier1: wider(limits.tier1), tier2: wider(limits.tier2), special: wider(limits.special) });
  const passed = new Map<string, number>();
  const counting: RateGate = {
    wait(host, tier) {
      passed.set(`${tier}|${host}`, (passed.get(`${tier}|${host}`) ?? 0) + 1);
      return gate.wait(host, tier);
    },
  };
  return { passed, counting };
}

describe("a rollout's calls and Qlik's rate tiers", () => {
  it("pass the gate in the tier the emulator meters each in, the reload in the special tier apart from tier 2, with no 429", async () => {
    const windowMs = 300;
    const limits = { tier1: { max: 6, windowMs }, tier2: { max: 1, windowMs }, special: { max: 1, windowMs } };
    const { passed, counting } = countingGate(prefix, limits);
    const fixture = await startCloudFixture({ rateLimits: limits }, {}, { rateGate: counting });
    try {
      const emu = fixture.emulator;
      const seeded = await fetch(`${emu.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: 3, region: "eu", prefix: "tiers-", apps: [TEMPLATE] }) });
      const { tenants } = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) }).parse(await seeded.json());
      newCloudVersion(emu, TEMPLATE, "QVF v2\n");
      const rollout = fixture.adapter.rollout!;
      const version = await rollout.templateVersion(TEMPLATE, { kind: "cloud", region: "eu" });
      // The customers at once, as a wave runs them: each one's calls one after another.
      const checks = await Promise.all(
        tenants.map(async (t) => {
          const env: CustomerEnvironment = { customer: t.name, target: { kind: "cloud", region: "eu" }, tenantId: t.id, hostname: t.hostname };
          const published = (await rollout.findPublished(env, TEMPLATE))!;
          const kept = await rollout.keep(env, TEMPLATE, published);
          const staged = await rollout.stage(env, version, published);
          await rollout.replace(env, staged.appId, published);
          const check = await rollout.reloadAndCheck(env, published.appId, { vCustomerId: t.name });
          await rollout.finish(env, { stagedAppId: staged.appId, keptAppId: kept.appId }, "updated");
          // Once the rollout ended (a customer's last call: DELETE of the app it kept, tier 2).
          await rollout.removeKept(env, kept.appId);
          return check;
        }),
      );
      expect(checks.map((c) => c.ok)).toEqual([true, true, true]);
      expect(emu.limiter.counted429).toBe(0);
      expect(Object.fromEntries(emu.stats.refusedByOperation)).toEqual({});
      // Every request the emulator metered passed the gate in that same tier on that host, and no other did
      // (the source's GET /users/me and the redirect the client follows from it: two requests, two slots).
      const metered = new Map<string, number>();
      for (const [key, n] of emu.limiter.allowed) {
        const [tier, host] = key.split("|");
        metered.set(`${tier}|${host}`, (metered.get(`${tier}|${host}`) ?? 0) + n);
      }
      expect(Object.fromEntries(metered)).toEqual(Object.fromEntries(passed));
      for (const t of tenants) expect(metered.get(`special|${t.hostname}`), t.hostname).toBe(1);
      expect(emu.stats.operations.get("queueReload")).toBe(3);
    } finally {
      await fixture.close();
    }
  }, 60_000);

  it("holds a shared tenant's customers, updated at once, to the one budget of the host they share, with no 429", async () => {
    const windowMs = 300;
    const limits = { tier1: { max: 20, windowMs }, tier2: { max: 2, windowMs }, special: { max: 1, windowMs } };
    const { passed, counting } = countingGate(`${prefix}:shared`, limits);
    const fixture = await startSharedFixture({ rateLimits: limits }, {}, counting);
    try {
      const customers = ["sh-a", "sh-b", "sh-c"];
      for (const c of customers) await runAll(fixture.adapter, sharedRequest(c));
      newCloudVersion(fixture.emulator, TEMPLATE, "QVF shared v2\n");
      const rollout = fixture.adapter.rollout!;
      const version = await rollout.templateVersion(TEMPLATE, { kind: "shared", tenant: "shared" });
      const before = { tier2: passed.get(`tier2|${SHARED_HOST}`) ?? 0, special: passed.get(`special|${SHARED_HOST}`) ?? 0 };
      const checks = await Promise.all(
        customers.map(async (c) => {
          const env = sharedEnv(c);
          const published = (await rollout.findPublished(env, TEMPLATE))!;
          const kept = await rollout.keep(env, TEMPLATE, published);
          const staged = await rollout.stage(env, version, published);
          await rollout.replace(env, staged.appId, published);
          const check = await rollout.reloadAndCheck(env, published.appId, { vCustomerId: c });
          await rollout.finish(env, { stagedAppId: staged.appId, keptAppId: kept.appId }, "updated");
          // The previous app, kept until the rollout ends, then removed.
          await rollout.removeKept(env, kept.appId);
          return check;
        }),
      );
      expect(checks.map((c) => c.ok)).toEqual([true, true, true]);
      expect(fixture.emulator.limiter.counted429).toBe(0);
      // Three customers, one host: their imports, republishes and removals and their reloads all went through its budget.
      expect({ tier2: passed.get(`tier2|${SHARED_HOST}`)! - before.tier2, special: passed.get(`special|${SHARED_HOST}`)! - before.special }).toEqual({ tier2: 9, special: 3 });
      const metered = new Map<string, number>();
      for (const [key, n] of fixture.emulator.limiter.allowed) {
        const [tier, host] = key.split("|");
        metered.set(`${tier}|${host}`, (metered.get(`${tier}|${host}`) ?? 0) + n);
      }
      expect(Object.fromEntries(metered)).toEqual(Object.fromEntries(passed));
    } finally {
      await fixture.close();
    }
  }, 90_000);
});
