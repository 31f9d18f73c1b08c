// Core approvals on a real Redis: one pending request per customer, four eyes, expiry, exactly one decision.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { Approvals } from "../../src/core/approvals.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { AccessPolicy } from "../../src/core/roles.ts";
import { CustomerRegistry } from "../../src/core/customer-registry.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

const prefix = testPrefix("approvals-core");
let redis: Redis;
let approvals: Approvals;
let registry: CustomerRegistry;
const request = (customer: string, requestedBy = "U1") => ({ customer, operation: "offboard" as const, purgeAfterDays: 30, requestedBy, requestedSurface: "slack", deployment: "d", effect: "e" });

/** An active customer, then a request for it; fails the test when the request is not made. */
async function requested(customer: string, requestedBy = "U1") {
  if (!(await registry.get(customer))) await registry.begin(customer, { kind: "cloud", region: "eu" }, "U0", "active", "test");
  const result = await approvals.create(request(customer, requestedBy));
  if (!("approval" in result)) throw new Error(`no request made: ${customer} is ${result.status}`);
  return result;
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  approvals = new Approvals(redis, new RedisKeys(prefix), 60_000);
  registry = new CustomerRegistry(redis, new RedisKeys(prefix));
});
afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

describe("approvals", () => {
  it("keeps one pending request per customer", async () => {
    await registry.begin("acme", { kind: "cloud", region: "eu" }, "U0", "active", "test");
    const [a, b] = await Promise.all([requested("acme"), requested("acme", "U9")]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.approval.id).toBe(b.approval.id);
    expect((await approvals.pendingFor("acme"))!.id).toBe(a.approval.id);
  });

  it("never lets the requester decide, and decides exactly once under fifty concurrent approvals", async () => {
    const { approval } = await requested("globex", "U1");
    expect(await approvals.decide(approval.id, "U1", "approved")).toMatchObject({ ok: false, code: "self" });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => approvals.decide(approval.id, `U${100 + i}`, i % 3 ? "approved" : "rejected")));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === "decided")).toHaveLength(49);
    expect(await approvals.pendingFor("globex")).toBeUndefined();
  });

  it("expires a request: a click says so, and the sweep finds the rest", async () => {
    const { approval } = await requested("initech");
    await redis.hset(new RedisKeys(prefix).approval(approval.id), "expiresAt", String(Date.now() - 1));
    expect(await approvals.decide(approval.id, "U2", "approved")).toMatchObject({ ok: false, code: "expired", message: expect.stringMatching(/expired at/) });
    const other = await requested("hooli");
    await redis.hset(new RedisKeys(prefix).approval(other.approval.id), "expiresAt", String(Date.now() - 1));
    await redis.zadd(new RedisKeys(prefix).approvalsPending(), Date.now() - 1, other.approval.id);
    expect((await approvals.expireDue()).map((a) => a.id)).toEqual([other.approval.id]);
    expect((await approvals.get(other.approval.id))!.status).toBe("expired");
  });

  it("moves the customer's status in the same atomic step as the request and its decision", async () => {
    const { approval } = await requested("umbrella");
    expect((await registry.get("umbrella"))!.status).toBe("offboard-pending");
    await approvals.decide(approval.id, "U2", "rejected", "not yet");
    expect((await registry.get("umbrella"))!.status).toBe("active");
    const again = await requested("umbrella");
    await approvals.decide(again.approval.id, "U2", "approved");
    expect((await registry.get("umbrella"))!.status).toBe("offboarding");
    expect(await approvals.create(request("umbrella"))).toEqual({ created: false, status: "offboarding" });
    const expiring = await requested("stark");
    await redis.hset(new RedisKeys(prefix).approval(expiring.approval.id), "expiresAt", String(Date.now() - 1));
    await redis.zadd(new RedisKeys(prefix).approvalsPending(), Date.now() - 1, expiring.approval.id);
    expect((await approvals.expireDue()).map((a) => a.id)).toEqual([expiring.approval.id]);
    expect((await registry.get("stark"))!.status).toBe("active");
  });

  it("answers for an unknown request id", async () => {
    expect(await approvals.decide("rzzzzzzzzzz", "U2", "approved")).toMatchObject({ ok: false, code: "unknown" });
  });
});

describe("roles", () => {
  it("opens empty roles to everyone in Slack except approver, and says which role is missing", async () => {
    const open = new AccessPolicy({ engineers: [], oncall: [], approvers: [] }, "slack");
    expect(await open.has("U1", "engineer")).toEqual({ ok: true });
    expect(await open.has("U1", "approver")).toMatchObject({ ok: false, reason: expect.stringMatching(/no approvers are configured/) });
    const strict = new AccessPolicy({ engineers: ["U1", "S0ENG"], oncall: ["U3"], approvers: ["U2"] }, "slack", async (u) => (u === "U7" ? ["S0ENG"] : []));
    expect(await strict.has("U1", "engineer")).toEqual({ ok: true });
    expect(await strict.has("U7", "engineer")).toEqual({ ok: true });
    expect(await strict.has("U2", "engineer")).toMatchObject({ ok: false, reason: expect.stringMatching(/engineer role/) });
    expect(await strict.has("U1", "oncall")).toMatchObject({ ok: false, reason: expect.stringMatching(/on-call role/) });
    const local = new AccessPolicy({ engineers: ["U1"], oncall: [], approvers: [] }, "local");
    expect(await local.has("anyone", "approver")).toEqual({ ok: true });
  });
});
