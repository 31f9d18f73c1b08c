/**
 * estate-sweep: one health sweep of the whole estate, 8,500 tenants in each of the seven regions
 * where Qlik creates tenants (59,500), by one qoem worker process running the compiled JavaScript
 * (dist/), the emulator in a process of its own with its rate limits on (scaled: windows of seconds).
 * The tenants are seeded as qoem's onboard leaves them (identity provider, production space, published
 * templates), so the detailed checks find them healthy and make the calls a healthy tenant costs.
 * Every region's listing is read from the one organisation host, so its tier 1 limit bounds the run;
 * the bound is the least time the limits allow for the calls made. The peak resident memory is the
 * worker process's own high-water mark (VmHWM), from its start to the sweep's end.
 * Then, over the same estate: `list` (run by that worker: its own peak, reset before) and `health all`
 * (answered by the chat side, here the benchmark's process: its time and heap growth).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Job } from "bullmq";
import { pino } from "pino";
import { z } from "zod";
import { creatableRegionCodes } from "../adapters/qlik-cloud/regions.ts";
import { dispatchCommand } from "../src/chat/dispatch-command.ts";
import { readConfig } from "../src/config.ts";
import { startQoem } from "../src/main.ts";
import { followJob } from "../src/queue/follow-job.ts";
import { triggerSweeps } from "../src/queue/sweeps.ts";
import { deletePrefix, REDIS_URL } from "../test/support/redis-prefix.ts";
import { startCompiledQoem, type CompiledQoem } from "./compiled-qoem.ts";
import { seedEstate } from "./seed-estate.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const PER_REGION = Number(process.env.BENCH_TENANTS ?? 8500);
const WINDOW_MS = 3000;
const LIMITS = { tier1: { max: 30, windowMs: WINDOW_MS }, tier2: { max: 5, windowMs: WINDOW_MS } };
const GATE_MARGIN_MS = 20;

const sweepResultSchema = z.object({ scope: z.string(), customers: z.number(), detailed: z.number(), counts: z.record(z.string(), z.number()), unchecked: z.object({ reason: z.string() }).optional() });
const listResultSchema = z.object({ total: z.number(), rows: z.array(z.unknown()), unknownTenantCount: z.number(), goneTenantCount: z.number() });
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** A full collection now, so a heap measurement starts from what is live (V8's gc, exposed for this). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

export async function estateSweep(): Promise<Record<string, unknown>> {
  const regions = [...creatableRegionCodes];
  const prefix = `qoem-bench-estate-${process.pid}`;
  const emu = await spawnEmulator(LIMITS);
  const gate = { tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS } };
  // The chat side in this process (dispatch, queues, health history); the work in the compiled worker.
  const config = readConfig({ ...process.env, QOEM_PREFIX: prefix, QOEM_EMULATOR_URL: emu.url, QOEM_ROLES: "chat", SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "" });
  const chat = await startQoem(config, { logger: pino({ level: "silent" }), rateLimits: gate });
  let worker: CompiledQoem | undefined;
  try {
    await seedEstate(emu.url, chat.registry, regions, PER_REGION, (region) => `${region}-`);
    worker = await startCompiledQoem({ redisUrl: REDIS_URL, prefix, emulatorUrl: emu.url, roles: "worker", gate });
    const before = worker.memory();
    const total = regions.length * PER_REGION;
    process.stderr.write(`estate-sweep: ${total} tenants in ${regions.join(", ")}; limits per host: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s; worker pid ${worker.pid} resident before the sweep ${before.rssMB} MB (peak so far ${before.peakMB} MB)\n`);

    const started = Date.now();
    const ids = await triggerSweeps(chat.sweeps, regions.map((region) => ({ kind: "cloud" as const, region })));
    const results = await Promise.all(ids.map(async (id) => sweepResultSchema.parse(await (await Job.fromId(chat.sweeps, id))!.waitUntilFinished(chat.sweepEvents, 20 * 60_000))));
    const wallMs = Date.now() - started;
    const after = worker.memory();
    if (process.env.BENCH_MEMORY_EVERY_MS) process.stderr.write(worker.process.stderr().split("\n").filter((l) => l.startsWith("memory ")).join("\n") + "\n");
    // BENCH_HEAP_SNAPSHOT=1 (with BENCH_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2): what the worker holds after the sweep.
    if (process.env.BENCH_HEAP_SNAPSHOT) {
      worker.process.child.kill("SIGUSR2");
      await new Promise((r) => setTimeout(r, 5000));
    }
    const state = await emu.state();
    const customers = results.reduce((n, r) => n + r.customers, 0);
    const detailed = results.reduce((n, r) => n + r.detailed, 0);
    const counts: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
    const unchecked = results.flatMap((r) => (r.unchecked ? [`${r.scope}: ${r.unchecked.reason}`] : []));
    process.stderr.write(`  sweep: wall ${(wallMs / 1000).toFixed(2)}s, bound ${(state.boundMs / 1000).toFixed(2)}s, ${state.allowedCalls} rate-limited calls, ${state.http429} answered 429, ${customers} customers, ${detailed} detailed, ${JSON.stringify(counts)}${unchecked.length ? `, unchecked: ${unchecked.join("; ")}` : ""}; worker resident ${after.rssMB} MB, peak ${after.peakMB} MB\n`);

    // `health all` over the estate, answered here from the health history a page at a time: its time,
    // and how far this process's heap rose above what was live before (sampled while it ran).
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
    const healthStarted = Date.now();
    const health = await dispatchCommand({ text: "health all", user: "bench", surface: "cli" }, chat.dispatch);
    const healthMs = Date.now() - healthStarted;
    clearInterval(sampler);
    const healthHeapMB = mb(heapPeak - heapBefore);
    const healthText = health.kind === "fleet" ? health.text : JSON.stringify(health);
    process.stderr.write(`  health all: ${healthMs} ms, heap peak ${healthHeapMB} MB above what was live before; ${healthText.split("\n")[0]}\n`);

    // `list` over the estate, run by the compiled worker (its peak from here on is list's).
    worker.resetPeak();
    const listStarted = Date.now();
    const answer = await dispatchCommand({ text: "list", user: "bench", surface: "cli" }, chat.dispatch);
    if (answer.kind !== "operation") throw new Error(`list was not queued: ${JSON.stringify(answer)}`);
    const listed = await followJob(chat.events, chat.operations, answer.jobId, () => undefined);
    const listMs = Date.now() - listStarted;
    const list = listResultSchema.parse(listed.result);
    const listMemory = worker.memory();
    process.stderr.write(`  list: ${(listMs / 1000).toFixed(2)}s, ${list.total} customers, ${list.rows.length} rows kept, ${list.unknownTenantCount} unknown tenants, ${list.goneTenantCount} gone; worker peak during list ${listMemory.peakMB} MB\n`);

    return {
      scenario: "estate-sweep",
      tenants: customers,
      regions: regions.length,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((state.boundMs / 1000).toFixed(2)),
      ratio: state.boundMs > 0 ? Number((wallMs / state.boundMs).toFixed(3)) : null,
      peakRssMB: after.peakMB,
      rssBeforeMB: before.rssMB,
      detailed,
      counts,
      http429: state.http429,
      calls: state.allowedCalls,
      healthAll: { ms: healthMs, heapPeakGrowthMB: healthHeapMB },
      list: { seconds: Number((listMs / 1000).toFixed(2)), customers: list.total, workerPeakRssMB: listMemory.peakMB },
      regionCodes: regions,
      limits: LIMITS,
      target: { ratio: 1.1, peakRssMB: 250 },
    };
  } finally {
    await worker?.stop();
    await chat.close();
    await emu.close();
    await new Promise((r) => setTimeout(r, 200));
    await deletePrefix(prefix);
  }
}
