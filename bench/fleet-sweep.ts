/**
 * fleet-sweep: one health sweep of 8,500 tenants in one emulated region by one qoem worker process
 * running the compiled JavaScript (dist/), the emulator in a process of its own with its rate limits
 * on (scaled: windows of seconds). The tenants are seeded as qoem's onboard leaves them, so the
 * detailed checks find them healthy. The sweep reads the organisation listing (85 pages of 100) for
 * every tenant's status and runs detailed checks for a bounded batch. The bound is the least time the
 * limits allow for the calls made; the peak resident memory is the worker's high-water mark (VmHWM).
 */
import { Job } from "bullmq";
import { pino } from "pino";
import { z } from "zod";
import { readConfig } from "../src/config.ts";
import { startQoem } from "../src/main.ts";
import { triggerSweeps } from "../src/queue/sweeps.ts";
import { deletePrefix, REDIS_URL } from "../test/support/redis-prefix.ts";
import { startCompiledQoem, type CompiledQoem } from "./compiled-qoem.ts";
import { seedEstate } from "./seed-estate.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const TENANTS = Number(process.env.BENCH_TENANTS ?? 8500);
const WINDOW_MS = 3000;
const LIMITS = { tier1: { max: 10, windowMs: WINDOW_MS }, tier2: { max: 5, windowMs: WINDOW_MS } };
const GATE_MARGIN_MS = 20;

export async function fleetSweep(): Promise<Record<string, unknown>> {
  const prefix = `qoem-bench-sweep-${process.pid}`;
  const emu = await spawnEmulator(LIMITS);
  const gate = { tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS } };
  const config = readConfig({ ...process.env, QOEM_PREFIX: prefix, QOEM_EMULATOR_URL: emu.url, QOEM_ROLES: "chat", SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "" });
  const chat = await startQoem(config, { logger: pino({ level: "silent" }), rateLimits: gate });
  let worker: CompiledQoem | undefined;
  try {
    await seedEstate(emu.url, chat.registry, ["eu"], TENANTS, () => "fleet-");
    worker = await startCompiledQoem({ redisUrl: REDIS_URL, prefix, emulatorUrl: emu.url, roles: "worker", gate });
    const before = worker.memory();
    process.stderr.write(`fleet-sweep: ${TENANTS} tenants in eu; limits per host: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s; detailed checks per sweep: ${config.sweep.detailBatch}; worker pid ${worker.pid} resident before the sweep ${before.rssMB} MB\n`);
    const started = Date.now();
    const [id] = await triggerSweeps(chat.sweeps, [{ kind: "cloud", region: "eu" }]);
    const job = (await Job.fromId(chat.sweeps, id!))!;
    const result = z.object({ customers: z.number(), detailed: z.number(), counts: z.record(z.string(), z.number()) }).parse(await job.waitUntilFinished(chat.sweepEvents, 10 * 60_000));
    const wallMs = Date.now() - started;
    const after = worker.memory();
    const state = await emu.state();
    process.stderr.write(`  wall ${(wallMs / 1000).toFixed(2)}s, bound ${(state.boundMs / 1000).toFixed(2)}s, ${state.allowedCalls} rate-limited calls, ${state.http429} answered 429, ${result.customers} customers, ${result.detailed} detailed, ${JSON.stringify(result.counts)}; worker resident ${after.rssMB} MB, peak ${after.peakMB} MB\n`);
    return {
      scenario: "fleet-sweep",
      tenants: result.customers,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((state.boundMs / 1000).toFixed(2)),
      ratio: state.boundMs > 0 ? Number((wallMs / state.boundMs).toFixed(3)) : null,
      peakRssMB: after.peakMB,
      rssBeforeMB: before.rssMB,
      detailed: result.detailed,
      counts: result.counts,
      http429: state.http429,
      calls: state.allowedCalls,
      limits: LIMITS,
      target: { ratio: 1.2, peakRssMB: 200 },
    };
  } finally {
    await worker?.stop();
    await chat.close();
    await emu.close();
    await new Promise((r) => setTimeout(r, 200));
    await deletePrefix(prefix);
  }
}
