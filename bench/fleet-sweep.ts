/**
 * fleet-sweep: one health sweep of 8,500 tenants in one emulated region, the emulator in its own
 * process with its rate limits on (scaled: windows of seconds). The sweep reads the organisation
 * listing (85 pages of 100) for every tenant's status and runs detailed checks for a bounded batch.
 * The bound is the least time the limits allow for the calls made; the peak resident memory is the
 * qoem process's own, sampled while the sweep runs.
 */
import { Job } from "bullmq";
import { pino } from "pino";
import { z } from "zod";
import { readConfig } from "../src/config.ts";
import { startQoem } from "../src/main.ts";
import { triggerSweeps } from "../src/queue/sweeps.ts";
import { deletePrefix } from "../test/support/redis-prefix.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const TENANTS = Number(process.env.BENCH_TENANTS ?? 8500);
const WINDOW_MS = 3000;
const LIMITS = { tier1: { max: 10, windowMs: WINDOW_MS }, tier2: { max: 5, windowMs: WINDOW_MS } };
const GATE_MARGIN_MS = 20;

export async function fleetSweep(): Promise<Record<string, unknown>> {
  const prefix = `qoem-bench-sweep-${process.pid}`;
  const emu = await spawnEmulator(LIMITS);
  const seeded = await fetch(`${emu.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: TENANTS, region: "eu", prefix: "fleet-" }) });
  const { tenants } = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) }).parse(await seeded.json());
  const config = readConfig({ ...process.env, QOEM_PREFIX: prefix, QOEM_EMULATOR_URL: emu.url, QOEM_ROLES: "worker", SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "" });
  const qoem = await startQoem(config, {
    logger: pino({ level: "silent" }),
    rateLimits: { tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS } },
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
  try {
    for (let i = 0; i < tenants.length; i += 500) {
      await Promise.all(
        tenants.slice(i, i + 500).map(async (t) => {
          await qoem.registry.begin(t.name, { kind: "cloud", region: "eu" }, "bench", "active", "bench");
          await qoem.registry.update(t.name, { tenantId: t.id, hostname: t.hostname });
        }),
      );
    }
    process.stderr.write(`fleet-sweep: ${tenants.length} tenants in eu; limits per host: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s; detailed checks per sweep: ${config.sweep.detailBatch}\n`);
    global.gc?.();
    const baselineMB = Math.round(process.memoryUsage().rss / 1024 / 1024);
    process.stderr.write(`  qoem's resident memory before the sweep: ${baselineMB} MB\n`);
    peakRss = process.memoryUsage().rss;
    const started = Date.now();
    const [id] = await triggerSweeps(qoem.sweeps, [{ kind: "cloud", region: "eu" }]);
    const job = (await Job.fromId(qoem.sweeps, id!))!;
    const result = z.object({ customers: z.number(), detailed: z.number(), counts: z.record(z.string(), z.number()) }).parse(await job.waitUntilFinished(qoem.sweepEvents, 10 * 60_000));
    const wallMs = Date.now() - started;
    const state = await emu.state();
    const peakRssMB = Math.round(peakRss / 1024 / 1024);
    process.stderr.write(`  wall ${(wallMs / 1000).toFixed(2)}s, bound ${(state.boundMs / 1000).toFixed(2)}s, ${state.allowedCalls} rate-limited calls, ${state.http429} answered 429, ${result.customers} customers, ${result.detailed} detailed, peak RSS ${peakRssMB} MB\n`);
    return {
      scenario: "fleet-sweep",
      tenants: result.customers,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((state.boundMs / 1000).toFixed(2)),
      ratio: state.boundMs > 0 ? Number((wallMs / state.boundMs).toFixed(3)) : null,
      peakRssMB,
      detailed: result.detailed,
      counts: result.counts,
      http429: state.http429,
      calls: state.allowedCalls,
      limits: LIMITS,
      target: { ratio: 1.2, peakRssMB: 300 },
    };
  } finally {
    clearInterval(sampler);
    await qoem.close();
    await emu.close();
    // Workers may still write a queue's meta key while closing: delete after they settle.
    await new Promise((r) => setTimeout(r, 200));
    await deletePrefix(prefix);
  }
}
