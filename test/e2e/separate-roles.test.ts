// The production shape as processes on one Redis: chat (its provisioning API), two workers and the scheduler, all on one Qlik Cloud emulator. Twenty onboards, each customer exactly once; a worker killed (SIGKILL) mid-job loses nothing: the other worker takes its jobs over and finishes them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { startCloudEmulator, type CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults } from "../../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { AuditLog } from "../../src/core/audit-log.ts";
import { CustomerRegistry } from "../../src/core/customer-registry.ts";
import { RedisKeys } from "../../src/core/redis-keys.ts";
import { OPERATIONS_QUEUE } from "../../src/queue/job-payload.ts";
import { SWEEPS_QUEUE } from "../../src/queue/sweeps.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";
import { envWithout, qoemBin, spawnProcess, type SpawnedProcess } from "../support/spawn-process.ts";
import { pickFreePort } from "../support/pick-free-port.ts";
import { waitUntil } from "../support/wait-until.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";

const prefix = testPrefix("roles");
const keys = new RedisKeys(prefix);
const dir = mkdtempSync(join(tmpdir(), "qoem-roles-"));
const processScript = fileURLToPath(new URL("../support/run-qoem-process.ts", import.meta.url));
const apiToken = "separate-roles-token";
const spawned: SpawnedProcess[] = [];
let emulator: CloudEmulator | undefined;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const operations = new Queue(OPERATIONS_QUEUE, { connection: redis, prefix: keys.tag });
const sweeps = new Queue(SWEEPS_QUEUE, { connection: redis, prefix: keys.tag });

afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
  await Promise.all(spawned.map((p) => p.exited));
  await operations.close();
  await sweeps.close();
  await deletePrefix(prefix);
  await redis.quit();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One qoem process with its role; resolves once its /readyz says ready. */
async function startRole(role: "chat" | "worker" | "scheduler", extra: Record<string, string> = {}) {
  const opsPort = await pickFreePort();
  const env = {
    ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_EMULATORS", "QOEM_API_PORT", "QOEM_API_TOKENS", "PORT"),
    REDIS_URL,
    QOEM_PREFIX: prefix,
    QOEM_ROLES: role,
    QOEM_EMULATOR_URL: emulator!.url,
    QOEM_CONFIG: join(dir, "qoem.json"),
    QOEM_OPS_PORT: String(opsPort),
    LOG_LEVEL: "warn",
    ...extra,
  };
  // Workers through startQoem itself, for BullMQ's short job lock and stalled check (seconds, not BullMQ's 30 s); the others as `qoem start`.
  const p = role === "worker" ? spawnProcess(["--import", "tsx", processScript, JSON.stringify({ lockDurationMs: 4000, stalledIntervalMs: 1000 })], env) : spawnProcess([qoemBin, "start"], env);
  spawned.push(p);
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined))?.status === 200, `${role} ready`, 30_000);
  return p;
}

describe("chat, two workers and the scheduler as separate processes", () => {
  it("onboards twenty customers exactly once each, and a worker killed mid-job loses nothing", async () => {
    // Qlik's limits out of the way (twenty onboards at once would wait minutes on tier 2); every call takes a little while.
    emulator = await startCloudEmulator({ ...emulatorDefaults(), rateLimits: { tier1: null, tier2: null } });
    emulator.faults.set([{ action: "latency", latencyMs: 60 }]);
    writeFileSync(join(dir, "qoem.json"), JSON.stringify({ cloud: { rateLimits: { tier1PerMinute: 100_000, tier2PerMinute: 100_000 } } }));
    const apiPort = await pickFreePort();
    const [chat, workerA, workerB, scheduler] = await Promise.all([
      startRole("chat", { QOEM_API_PORT: String(apiPort), QOEM_API_TOKENS: `oem:${createHash("sha256").update(apiToken).digest("hex")}:onboard+read` }),
      startRole("worker"),
      startRole("worker"),
      startRole("scheduler"),
    ]);
    const api = (path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${apiPort}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json", ...(body === undefined ? {} : { "idempotency-key": `k-${JSON.stringify(body)}` }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const customers = Array.from({ length: 20 }, (_, i) => `fleet-${String(i + 1).padStart(2, "0")}`);
    const answers = await Promise.all(customers.map((customer, i) => api("/api/v1/onboardings", { customer, target: i % 2 ? "us" : "eu" })));
    expect(answers.map((a) => a.status)).toEqual(customers.map(() => 202));

    // Each worker runs up to 8 at once: more than 8 running means both have jobs in hand. Kill one of them.
    await waitUntil(async () => ((await operations.getJobCounts("active")).active ?? 0) > 8, "both workers running onboards", 30_000);
    workerA.child.kill("SIGKILL");
    expect(await workerA.exited).toBe("SIGKILL");

    const registry = new CustomerRegistry(redis, keys);
    const statuses = async () => Promise.all(customers.map(async (c) => (await registry.get(c))?.status));
    await waitUntil(async () => (await new Promise((r) => setTimeout(r, 500)), (await statuses()).every((s) => s === "active")), "every customer active", 75_000).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await statuses())}\n${workerB.stderr().slice(-3000)}`);
    });
    // The API answers from the same registry.
    expect(((await (await api(`/api/v1/customers/${customers[0]}`)).json()) as { status?: string }).status).toBe("active");
    const audit = new AuditLog(redis, keys, 10_000);
    for (const c of customers) {
      expect(tenantsNamed(emulator, c), c).toHaveLength(1);
      expect((await audit.read(c, 100)).filter((e) => e.action === "onboard run").map((e) => e.result), c).toEqual(["completed"]);
    }
    const jobs = await operations.getJobs(["completed"]);
    expect(jobs.filter((j) => j.name === "onboard")).toHaveLength(20);
    // The killed worker's jobs were stalled and finished by the other one.
    expect(jobs.some((j) => j.stalledCounter > 0)).toBe(true);
    // The scheduler process did its part: the health-sweep schedules exist.
    expect((await sweeps.getJobSchedulers()).length).toBeGreaterThan(0);
    for (const p of [chat, workerB, scheduler]) expect(p.stderr()).not.toMatch(/^\s+at /m);
  }, 120_000);
});
