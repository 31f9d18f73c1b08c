// Token requests are Qlik calls like any other: tier 2 by Qlik's specification, metered by the emulator, paced by the rate gate.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisRateGate } from "../../src/core/redis-rate-gate.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { startCloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults, emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { tierOf } from "../../adapters/qlik-cloud/spec/read-qlik-spec.ts";
import type { RateGate } from "../../adapters/port.ts";
import { onboardRequest, runSteps, startCloudFixture } from "../support/cloud-fixture.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("token-gate");
let redis: Redis;
let fixture: Awaited<ReturnType<typeof startCloudFixture>> | undefined;
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

const tokenRequest = (url: string, creds = emulatorRegionClient("eu")) =>
  fetch(`${url}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) });

describe("the token endpoint's rate limit", () => {
  it("is tier 2 in Qlik's specification, and the emulator counts it with the client's other tier-2 calls on that host", async () => {
    expect(tierOf("requestOAuthToken")).toBe("tier2");
    const emu = await startCloudEmulator({ ...emulatorDefaults(), rateLimits: { tier2: { max: 3, windowMs: 60_000 } } });
    try {
      const source = emu.hostUrl(emu.sourceTenantHost);
      const tokens = [];
      for (let i = 0; i < 3; i++) {
        const res = await tokenRequest(source);
        expect(res.status).toBe(200);
        tokens.push(((await res.json()) as { access_token: string }).access_token);
      }
      const refused = await tokenRequest(source);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ errors: [{ code: "HTTP-429", title: "API rate limit reached." }] });
      // The same client's tier-2 budget on this host is spent: a tier-2 API call is refused too.
      const create = await fetch(`${source}/api/v1/spaces`, { method: "POST", headers: { authorization: `Bearer ${tokens[0]}`, "content-type": "application/json" }, body: JSON.stringify({ name: "x", type: "shared" }) });
      expect(create.status).toBe(429);
      // Another host's budget is its own.
      expect((await tokenRequest(emu.hostUrl("register.eu.qlikcloud.com"))).status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});

describe("the adapter's token requests", () => {
  it("pass the rate gate in tier 2, so every tier-2 request the emulator counted was let through by the gate, and none is refused", async () => {
    const limits = { tier1: null, tier2: { max: 12, windowMs: 1_500 } };
    const gate = new RedisRateGate(redis, new RedisKeys(prefix), limits);
    const passed = new Map<string, number>();
    const counting: RateGate = {
      wait(host, tier) {
        passed.set(`${tier}|${host}`, (passed.get(`${tier}|${host}`) ?? 0) + 1);
        return gate.wait(host, tier);
      },
    };
    fixture = await startCloudFixture({ rateLimits: { tier2: limits.tier2 } }, {}, { rateGate: counting });
    await runSteps(fixture.adapter, onboardRequest("acme"));
    // Every token Qlik issued is dropped: the rerun asks each host for a new one.
    fixture.emulator.state.revokeTokens();
    const before = fixture.adapter.context.tokens.fetched;
    await runSteps(fixture.adapter, onboardRequest("acme"));
    expect(fixture.adapter.context.tokens.fetched).toBeGreaterThan(before);
    expect(fixture.emulator.limiter.counted429).toBe(0);
    const counted = [...fixture.emulator.limiter.allowed.entries()].filter(([key]) => key.startsWith("tier2|"));
    expect(counted.length).toBeGreaterThan(0);
    for (const [key, n] of counted) {
      const [, host] = key.split("|");
      expect(passed.get(`tier2|${host}`), key).toBe(n);
    }
  });
});
