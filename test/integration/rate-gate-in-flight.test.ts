// A call still in flight holds its slot: Qlik counts a request when it arrives, which may be long after
// the gate let it go (a loaded process, a slow connection), so the slot frees one window after the answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { IN_FLIGHT_HOLD_MS, RedisRateGate } from "../../src/core/redis-rate-gate.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { startCloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults, emulatorRegionClient } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("gate-in-flight");
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the rate gate and a call in flight", () => {
  it("keeps the slot taken while the call is unanswered, however long past the window, and frees it one window after the answer", async () => {
    const windowMs = 200;
    const gate = new RedisRateGate(redis, new RedisKeys(`${prefix}:a`), { tier1: null, tier2: { max: 1, windowMs } });
    const answered = await gate.wait("slow.example", "tier2");
    // Past the window and past the key's former lifetime (window + 1 s): the first call is still in flight.
    await sleep(windowMs + 1_200);
    let second: number | undefined;
    const next = gate.wait("slow.example", "tier2").then((done) => {
      second = Date.now();
      return done;
    });
    await sleep(3 * windowMs);
    expect(second).toBeUndefined();
    const answeredAt = Date.now();
    answered();
    (await next)();
    expect(second! - answeredAt).toBeGreaterThanOrEqual(windowMs - 5);
    // Another host's budget is its own.
    (await gate.wait("other.example", "tier2"))();
    expect(IN_FLIGHT_HOLD_MS).toBeGreaterThan(windowMs);
  });

  it("lets no call through that the emulator refuses when a request arrives at Qlik long after its slot was taken", async () => {
    const limit = { max: 1, windowMs: 300 };
    const emu = await startCloudEmulator({ ...emulatorDefaults(), rateLimits: { tier1: null, tier2: limit } });
    try {
      const gate = new RedisRateGate(redis, new RedisKeys(`${prefix}:b`), { tier1: null, tier2: { max: 1, windowMs: limit.windowMs + 20 } });
      const host = emu.sourceTenantHost;
      const base = emu.hostUrl(host);
      const gated = async (send: () => Promise<Response>) => {
        const done = await gate.wait(host, "tier2");
        try {
          return await send();
        } finally {
          done();
        }
      };
      const creds = emulatorRegionClient("eu");
      const tokenAnswer = await gated(() => fetch(`${base}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: creds.clientId, client_secret: creds.clientSecret, grant_type: "client_credentials" }) }));
      expect(tokenAnswer.status).toBe(200);
      const { access_token } = (await tokenAnswer.json()) as { access_token: string };
      // The first space's request reaches Qlik's limiter 1.5 s after it left: longer than the window and the key's former lifetime.
      emu.faults.add({ method: "POST", path: "/api/v1/spaces", action: "latency", latencyMs: 1_500, times: 1 });
      const statuses: number[] = [];
      for (const name of ["first", "second", "third"]) {
        const res = await gated(() => fetch(`${base}/api/v1/spaces`, { method: "POST", headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" }, body: JSON.stringify({ name: `in-flight-${name}`, type: "shared" }) }));
        statuses.push(res.status);
      }
      expect(statuses).toEqual([201, 201, 201]);
      expect(emu.limiter.counted429).toBe(0);
      expect(Object.fromEntries(emu.stats.refusedByOperation)).toEqual({});
    } finally {
      await emu.close();
    }
  });
});
