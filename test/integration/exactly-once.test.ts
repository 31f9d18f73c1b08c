// Exactly once under outages and races: a Redis outage longer than BullMQ's job lock, and one customer onboarded to three regions at once.
import { afterEach, describe, expect, it } from "vitest";
import { dispatchCommand, type ChatAnswer } from "../../src/chat/dispatch-command.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { expectedContents, tenantContents, tenantsNamed } from "../support/cloud-fixture.ts";
import { startKillableRedis, type KillableRedis } from "../support/killable-redis.ts";

let qoem: TestQoem | undefined;
let redis: KillableRedis | undefined;
afterEach(async () => {
  await qoem?.stop();
  await redis?.dispose();
  qoem = undefined;
  redis = undefined;
});

const textOf = (a: ChatAnswer) => (a.kind === "error" ? a.error.reason : a.text);

describe("one customer, one environment", () => {
  it("gives twelve onboards of one customer to three regions sent at once one environment and eleven answers naming the claimed place", async () => {
    qoem = await startTestQoem("claims");
    const regions = ["eu", "us", "de"];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => dispatchCommand({ text: `onboard zeta ${regions[i % 3]}`, user: `U${i}`, surface: "slack" }, qoem!.dispatch)));
    const started = answers.filter((a) => a.kind === "operation" && a.disposition === "queued");
    expect(started).toHaveLength(1);
    const winner = (await qoem.registry.get("zeta"))!.region!;
    expect(regions).toContain(winner);
    const others = answers.filter((a) => a !== started[0]);
    expect(others).toHaveLength(11);
    for (const a of others) {
      expect(textOf(a)).toContain(winner);
      expect(a.kind === "error" || (a.kind === "operation" && a.disposition === "running")).toBe(true);
    }
    // Every refusal elsewhere names the claimed place; repeats to the same place join its job.
    expect(others.filter((a) => a.kind === "error").every((a) => /already has an environment on/.test(textOf(a)))).toBe(true);
    await expect.poll(async () => (await qoem!.registry.get("zeta"))?.status, { timeout: 30_000 }).toBe("active");
    expect(tenantsNamed(qoem.cloudEmulator!, "zeta")).toHaveLength(1);
    for (const r of regions) expect(await qoem.redis.zscore(qoem.keys.customersAt(r), "zeta")).toBe(r === winner ? "0" : null);
    expect((await qoem.operations.getJobs(["completed", "failed", "active", "waiting", "delayed"])).filter((j) => j.name === "onboard")).toHaveLength(1);
  });
});

describe("a Redis outage longer than BullMQ's job lock", () => {
  it(
    "runs each of five onboards caught in a 40 s outage exactly once: one of everything and five completed audit entries",
    async () => {
      redis = await startKillableRedis();
      // Stalled jobs are looked for every 2 s, so recovery after the outage is quick; the job lock stays BullMQ's 30 s.
      qoem = await startTestQoem("outage", { REDIS_URL: redis.url }, { worker: { lockRetryMs: 200, stalledIntervalMs: 2_000 } });
      // Every Qlik call takes a while, so the outage lands in the middle of the onboards.
      qoem.cloudEmulator!.faults.set([{ action: "latency", latencyMs: 120 }]);
      const customers = ["out-a", "out-b", "out-c", "out-d", "out-e"];
      for (const c of customers) {
        const answer = await dispatchCommand({ text: `onboard ${c} eu`, user: "U1", surface: "cli" }, qoem.dispatch);
        expect(answer).toMatchObject({ kind: "operation", disposition: "queued" });
      }
      // Wait until every onboard is under way (a step or more done), then take Redis away.
      await expect
        .poll(async () => {
          const jobs = await Promise.all(customers.map((c) => qoem!.operations.getJob(`onboard.${c}.eu`)));
          return jobs.every((j) => ((j?.progress as { steps?: Array<{ state: string }> } | undefined)?.steps ?? []).some((s) => s.state === "done"));
        }, { timeout: 30_000, interval: 50 })
        .toBe(true);
      await redis.kill();
      await new Promise((r) => setTimeout(r, 40_000));
      await redis.start();
      await expect
        .poll(async () => Promise.all(customers.map(async (c) => (await qoem!.registry.get(c))?.status)), { timeout: 120_000, interval: 500 })
        .toEqual(customers.map(() => "active"));
      for (const c of customers) {
        expect(tenantContents(qoem.cloudEmulator!, c)).toEqual(expectedContents(c));
        const runs = (await qoem.dispatch.audit.read(c, 100)).filter((e) => e.action === "onboard run");
        expect(runs.map((e) => e.result)).toEqual(["completed"]);
      }
      // Give the stalled executions time to come back and try anything; nothing may change.
      await new Promise((r) => setTimeout(r, 3_000));
      for (const c of customers) expect(tenantContents(qoem.cloudEmulator!, c)).toEqual(expectedContents(c));
      const completed = (await qoem.dispatch.audit.read(undefined, 500)).filter((e) => e.action === "onboard run" && e.result === "completed");
      expect(completed).toHaveLength(5);
    },
    180_000,
  );
});
