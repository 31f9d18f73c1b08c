// Fleet-wide readers over more than one page of everything: the registry read by name cursor sees each
// customer exactly once; a sweep, `list` and `health all` over a region larger than a registry page and a
// listing page give every customer exactly one verdict or row count, pick the detailed batch by need, and
// keep only a bounded first page; @qlik/api keeps no answers behind.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { emulatorJwtIssuer } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { summarizeFleetHealth } from "../../src/chat/render-fleet-health.ts";
import { CustomerRegistry } from "../../src/core/customer-registry.ts";
import { FLEET_ROWS, type FleetView } from "../../src/core/list-fleet.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { TenantIndex } from "../../src/core/tenant-index.ts";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { sweepRegion, tenantKnob } from "../support/health-fixture.ts";

const seededSchema = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) });

describe("the registry read a page at a time", () => {
  const prefix = testPrefix("registry-scan");
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const registry = new CustomerRegistry(redis, new RedisKeys(prefix));
  afterAll(async () => {
    await deletePrefix(prefix);
    await redis.quit();
  });

  it("sees every customer present throughout exactly once, whatever is added or removed between pages", async () => {
    const names = Array.from({ length: 1050 }, (_, i) => `cust-${String(i).padStart(4, "0")}`);
    for (const name of names) await registry.begin(name, { kind: "cloud", region: "eu" }, "U1", "active", "test");
    const seen = new Map<string, number>();
    let pages = 0;
    for await (const page of registry.scan({}, 100)) {
      pages++;
      for (const r of page) seen.set(r.customer, (seen.get(r.customer) ?? 0) + 1);
      if (pages === 1) {
        // Between pages: one before the cursor, one after it, and one not yet read removed from the index.
        await registry.begin("aaa-early", { kind: "cloud", region: "eu" }, "U1", "active", "test");
        await registry.begin("zzz-late", { kind: "cloud", region: "eu" }, "U1", "active", "test");
        await redis.zrem(new RedisKeys(prefix).customers(), "cust-0700");
      }
    }
    expect(pages).toBeGreaterThan(10);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(names.filter((n) => n !== "cust-0700").every((n) => seen.has(n))).toBe(true);
    expect(seen.has("zzz-late")).toBe(true);
    expect(seen.has("cust-0700")).toBe(false);
  });

  it("hands each tenant's customers out of a run's index once, and what no page took as leftovers once", async () => {
    const index = new TenantIndex(redis, new RedisKeys(prefix).tenantIndex("test-run"));
    await index.add(Array.from({ length: 700 }, (_, i) => ({ tenantId: `t${i}`, value: `c${i}` })));
    await index.add([{ tenantId: "t1", value: "c1-twin" }]);
    expect(await index.take(["t1", "t2", "nope"])).toEqual([
      { tenantId: "t1", values: ["c1", "c1-twin"] },
      { tenantId: "t2", values: ["c2"] },
    ]);
    expect(await index.take(["t1"])).toEqual([]);
    const left: string[] = [];
    for await (const page of index.leftovers(50)) for (const e of page) left.push(...e.values);
    expect(left).toHaveLength(698);
    expect(new Set(left).size).toBe(698);
    await index.drop();
  });
});

describe("a region larger than a page", () => {
  let qoem: TestQoem;
  const region = "jp";
  let tenants: Array<{ id: string; name: string; hostname: string }> = [];
  beforeAll(async () => {
    // No scheduler: its first sweep would run while the region is still being seeded.
    qoem = await startTestQoem("estate-stream", { QOEM_ROLES: "chat,worker" });
    const seed = async (count: number, prefix: string) => {
      const res = await fetch(`${qoem.cloudEmulator!.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count, region, prefix, onboarded: { jwtIssuer: emulatorJwtIssuer } }) });
      return seededSchema.parse(await res.json()).tenants;
    };
    tenants = await seed(1230, "big-");
    await seed(3, "stray-");
    for (const t of tenants) {
      await qoem.registry.begin(t.name, { kind: "cloud", region }, "U1", "active", "test");
      await qoem.registry.update(t.name, { tenantId: t.id, hostname: t.hostname });
    }
    await qoem.registry.begin("ghost", { kind: "cloud", region }, "U1", "active", "test");
    await qoem.registry.update("ghost", { tenantId: "NoSuchTenant0000000000000000000" });
    await tenantKnob(qoem, tenants[7]!.id, { status: "disabled" });
  }, 120_000);
  afterAll(async () => {
    await qoem?.stop();
  });

  it("sweeps every customer exactly once, the detailed batch by need, and leaves no @qlik/api answers behind", async () => {
    const first = await sweepRegion(qoem, region);
    expect(first.customers).toBe(1231);
    expect(Object.values(first.counts).reduce((a, b) => a + b, 0)).toBe(1231);
    expect(first.counts).toMatchObject({ red: 2, unknown: 0, green: 1229 });
    expect(first.detailed).toBe(100);
    const lengths = async () => {
      const pipeline = qoem.redis.pipeline();
      for (const t of tenants) pipeline.llen(qoem.keys.healthHistory(t.name));
      return ((await pipeline.exec()) ?? []).map(([, n]) => n as number);
    };
    expect((await lengths()).every((n) => n === 1)).toBe(true);
    expect((await qoem.history.latest(tenants[7]!.name))!.reasons).toEqual(["tenant status is disabled"]);
    expect((await qoem.history.latest("ghost"))!.reasons[0]).toMatch(/not in the organisation's tenant list/);

    // The next sweep checks in detail the ones never checked before: a hundred others.
    const detailedOnce = new Set((await qoem.history.all()).filter((l) => l.detailedAt).map((l) => l.customer));
    const second = await sweepRegion(qoem, region);
    expect(second.detailed).toBe(100);
    const detailedNow = (await qoem.history.all()).filter((l) => l.detailedAt).map((l) => l.customer);
    expect(detailedNow).toHaveLength(200);
    expect(detailedNow.filter((c) => detailedOnce.has(c))).toHaveLength(100);
    expect((await lengths()).every((n) => n === 2)).toBe(true);

    const cache = (globalThis as { __API_CACHE__DO_NOT_USE_OR_YOU_WILL_BE_FIRED?: Record<string, object> }).__API_CACHE__DO_NOT_USE_OR_YOU_WILL_BE_FIRED ?? {};
    expect(Object.entries(cache).filter(([, entries]) => Object.keys(entries).length > 0)).toEqual([]);
  }, 120_000);

  it("lists counts of all and the first page by name, with the reconcile counted", async () => {
    const answer = await dispatchCommand({ text: `list --region ${region}`, user: "U1", surface: "cli" }, qoem.dispatch);
    if (answer.kind !== "operation") throw new Error(JSON.stringify(answer));
    const view = (await followJob(qoem.events, qoem.operations, answer.jobId, () => undefined)).result as FleetView;
    expect(view.total).toBe(1231);
    expect(view.byWhere).toEqual([{ where: region, statuses: { active: 1231 } }]);
    expect(view.rows).toHaveLength(FLEET_ROWS);
    expect(view.rows.map((r) => r.customer)).toEqual([...tenants.map((t) => t.name)].sort().slice(0, FLEET_ROWS));
    expect(view.rows.every((r) => r.tenantStatus === "active" || r.customer === tenants[7]!.name)).toBe(true);
    expect(view.unknownTenantCount).toBe(3);
    expect(view.goneTenants).toEqual([{ customer: "ghost", tenantId: "NoSuchTenant0000000000000000000" }]);
  }, 120_000);

  it("answers health all from pages: every customer counted once, the not-green named", async () => {
    const view = await summarizeFleetHealth(qoem.history.scanLatest(100));
    expect(view.totals).toEqual({ green: 1229, amber: 0, red: 2, unknown: 0 });
    expect(view.notGreenCount).toBe(2);
    expect(view.notGreen.map((l) => l.customer).sort()).toEqual(["ghost", tenants[7]!.name].sort());
  });
});
