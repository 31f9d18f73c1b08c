/**
 * estate-sweep: one health sweep of the whole estate, 8,500 tenants in each of the seven regions
 * where Qlik creates tenants (59,500), by one qoem worker process running the compiled JavaScript
 * (dist/), the emulator in a process of its own with its rate limits on (scaled: windows of seconds).
 * Every region's listing is read from the one organisation host, so its tier 1 limit bounds the
 * run; the bound is the least time the limits allow for the calls made. The peak resident memory
 * is the worker process's own high-water mark (VmHWM), from its start to the sweep's end.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { z } from "zod";
import { creatableRegionCodes } from "../adapters/qlik-cloud/regions.ts";
import { CustomerRegistry } from "../src/core/customer-registry.ts";
import { RedisKeys } from "../src/core/redis-keys.ts";
import { SWEEPS_QUEUE, triggerSweeps } from "../src/queue/sweeps.ts";
import { deletePrefix, REDIS_URL } from "../test/support/redis-prefix.ts";
import { envWithout, repoRoot, spawnProcess } from "../test/support/spawn-process.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const PER_REGION = Number(process.env.BENCH_TENANTS ?? 8500);
const WINDOW_MS = 3000;
const LIMITS = { tier1: { max: 30, windowMs: WINDOW_MS }, tier2: { max: 5, windowMs: WINDOW_MS } };
const GATE_MARGIN_MS = 20;

const sweepResultSchema = z.object({ scope: z.string(), customers: z.number(), detailed: z.number(), counts: z.record(z.string(), z.number()) });

/** A process's resident memory now and at its peak, in MB (Linux: /proc/<pid>/status). */
function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssMB: Math.round(kb("VmRSS") / 1024), peakMB: Math.round(kb("VmHWM") / 1024) };
}

export async function estateSweep(): Promise<Record<string, unknown>> {
  const regions = [...creatableRegionCodes];
  const prefix = `qoem-bench-estate-${process.pid}`;
  process.stderr.write(`estate-sweep: building dist/ (the measured process runs compiled JavaScript)\n`);
  const build = spawnSync(process.execPath, [fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.build.json"], { cwd: repoRoot, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");

  const emu = await spawnEmulator(LIMITS);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const keys = new RedisKeys(prefix);
  const sweeps = new Queue(SWEEPS_QUEUE, { connection: redis, prefix: keys.tag });
  const eventsConnection = redis.duplicate();
  const events = new QueueEvents(SWEEPS_QUEUE, { connection: eventsConnection, prefix: keys.tag });
  let worker: ReturnType<typeof spawnProcess> | undefined;
  try {
    const registry = new CustomerRegistry(redis, keys);
    for (const region of regions) {
      const seeded = await fetch(`${emu.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: PER_REGION, region, prefix: `${region}-` }) });
      const { tenants } = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) }).parse(await seeded.json());
      for (let i = 0; i < tenants.length; i += 1000) {
        await Promise.all(
          tenants.slice(i, i + 1000).map(async (t) => {
            await registry.begin(t.name, { kind: "cloud", region }, "bench", "active", "bench");
            await registry.update(t.name, { tenantId: t.id, hostname: t.hostname });
          }),
        );
      }
    }
    const gate = { tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS } };
    worker = spawnProcess([fileURLToPath(new URL("./start-compiled-qoem.js", import.meta.url))], {
      ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_CONFIG", "QOEM_EMULATORS", "QOEM_OPS_PORT", "QOEM_API_PORT"),
      NODE_ENV: "production",
      REDIS_URL,
      QOEM_PREFIX: prefix,
      QOEM_EMULATOR_URL: emu.url,
      QOEM_ROLES: "worker",
      LOG_LEVEL: "warn",
      BENCH_RATE_LIMITS: JSON.stringify(gate),
    });
    await worker.waitFor(/compiled qoem ready/);
    const pid = worker.child.pid!;
    const before = memoryOf(pid);
    const total = regions.length * PER_REGION;
    process.stderr.write(`  ${total} tenants in ${regions.join(", ")}; limits per host: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s; worker pid ${pid} resident before the sweep ${before.rssMB} MB (peak so far ${before.peakMB} MB)\n`);

    const started = Date.now();
    const ids = await triggerSweeps(sweeps, regions.map((region) => ({ kind: "cloud" as const, region })));
    const results = await Promise.all(ids.map(async (id) => sweepResultSchema.parse(await (await Job.fromId(sweeps, id))!.waitUntilFinished(events, 20 * 60_000))));
    const wallMs = Date.now() - started;
    const after = memoryOf(pid);
    const state = await emu.state();
    const customers = results.reduce((n, r) => n + r.customers, 0);
    const counts: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
    process.stderr.write(`  wall ${(wallMs / 1000).toFixed(2)}s, bound ${(state.boundMs / 1000).toFixed(2)}s, ${state.allowedCalls} rate-limited calls, ${state.http429} answered 429, ${customers} customers, ${results.reduce((n, r) => n + r.detailed, 0)} detailed, worker resident ${after.rssMB} MB, peak ${after.peakMB} MB\n`);
    return {
      scenario: "estate-sweep",
      tenants: customers,
      regions: regions.length,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((state.boundMs / 1000).toFixed(2)),
      ratio: state.boundMs > 0 ? Number((wallMs / state.boundMs).toFixed(3)) : null,
      peakRssMB: after.peakMB,
      rssBeforeMB: before.rssMB,
      counts,
      http429: state.http429,
      calls: state.allowedCalls,
      regionCodes: regions,
      limits: LIMITS,
      target: { ratio: 1.1, peakRssMB: 250 },
    };
  } finally {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
    await events.close();
    await sweeps.close();
    eventsConnection.disconnect();
    await emu.close();
    await redis.quit();
    await deletePrefix(prefix);
  }
}
