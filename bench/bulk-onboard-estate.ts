/**
 * bulk-onboard-estate: 1,000 customers onboarded across the seven regions where Qlik creates tenants,
 * by three qoem worker processes (compiled JavaScript, each a process of its own) on one Redis, the
 * emulator in a process of its own with its rate limits on (scaled: windows of seconds). The commands
 * are dispatched here, as the chat side would. The bound is the least time the per-host tier limits
 * allow for the calls made (per (host, tier) bucket: the first `max` at once, every further `max` one
 * window later); duplicates are counted from the emulator's tenants, not from qoem's own view.
 */
import { loadavg } from "node:os";
import { pino } from "pino";
import { creatableRegionCodes } from "../adapters/qlik-cloud/regions.ts";
import { dispatchCommand } from "../src/chat/dispatch-command.ts";
import { readConfig } from "../src/config.ts";
import { startQoem } from "../src/main.ts";
import { followJob } from "../src/queue/follow-job.ts";
import { deletePrefix, REDIS_URL } from "../test/support/redis-prefix.ts";
import { startCompiledQoem, type CompiledQoem } from "./compiled-qoem.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 3);
const WINDOW_MS = 10_000;
const LIMITS = { tier1: { max: 100, windowMs: WINDOW_MS }, tier2: { max: 20, windowMs: WINDOW_MS } };
const GATE_MARGIN_MS = 20;
const DISPATCH_AT_ONCE = 100;

export async function bulkOnboardEstate(): Promise<Record<string, unknown>> {
  const regions = [...creatableRegionCodes];
  const prefix = `qoem-bench-bulk-estate-${process.pid}`;
  const emu = await spawnEmulator(LIMITS);
  const gate = { tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS } };
  const config = readConfig({ ...process.env, QOEM_PREFIX: prefix, QOEM_EMULATOR_URL: emu.url, QOEM_ROLES: "chat", SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "" });
  const chat = await startQoem(config, { logger: pino({ level: "silent" }), rateLimits: gate });
  const workers: CompiledQoem[] = [];
  try {
    for (let i = 0; i < WORKERS; i++) workers.push(await startCompiledQoem({ redisUrl: REDIS_URL, prefix, emulatorUrl: emu.url, roles: "worker", gate, env: { BENCH_WORKER_CONCURRENCY: "120" } }));
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({ name: `bulk-${String(i).padStart(4, "0")}`, region: regions[i % regions.length]! }));
    process.stderr.write(`bulk-onboard-estate: ${CUSTOMERS} customers across ${regions.join(", ")} by ${WORKERS} worker processes (pids ${workers.map((w) => w.pid).join(", ")}); limits per host: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s, tier 2 ${LIMITS.tier2.max}/${WINDOW_MS / 1000}s\n`);
    const loadBefore = loadavg()[0]!;
    const started = Date.now();
    // Sent DISPATCH_AT_ONCE at a time, as commands arrive from chat: a thousand at the same instant on a
    // loaded machine can outlast the chat side's Redis deadline (4 s) and be refused as "Redis unavailable".
    const jobIds: string[] = [];
    for (let next = 0; next < customers.length; next += DISPATCH_AT_ONCE) {
      jobIds.push(
        ...(await Promise.all(
          customers.slice(next, next + DISPATCH_AT_ONCE).map(async (c) => {
            const answer = await dispatchCommand({ text: `onboard ${c.name} ${c.region}`, user: "bench", surface: "cli" }, chat.dispatch);
            if (answer.kind !== "operation") throw new Error(`${c.name}: ${JSON.stringify(answer)}`);
            return answer.jobId;
          }),
        )),
      );
    }
    const dispatchedMs = Date.now() - started;
    const endedAt: number[] = [];
    const outcomes = await Promise.all(jobIds.map((id) => followJob(chat.events, chat.operations, id, () => undefined).then((o) => (endedAt.push(Date.now() - started), o))));
    const wallMs = Date.now() - started;
    const state = await emu.state();
    // From Qlik's side (the emulator), not qoem's: how many live tenants each customer got.
    const tenantsOf = new Map<string, number>();
    for (const t of state.tenants) if (t.status !== "deleted") tenantsOf.set(t.name, (tenantsOf.get(t.name) ?? 0) + 1);
    const duplicates = customers.filter((c) => (tenantsOf.get(c.name) ?? 0) > 1).length;
    const missing = customers.filter((c) => !tenantsOf.get(c.name)).length;
    const failed = outcomes.filter((o) => o.state !== "completed").length;
    const peaks = workers.map((w) => w.memory().peakMB);
    const busiest = Object.entries(state.allowedByBucket).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([bucket, n]) => `${bucket} ${n}`);
    process.stderr.write(`  busiest buckets: ${busiest.join(", ")}\n`);
    // When the onboards ended: a steady pace up to the bound, or a tail after it.
    const at = (q: number) => (endedAt.sort((a, b) => a - b)[Math.min(endedAt.length - 1, Math.floor(q * endedAt.length))]! / 1000).toFixed(1);
    process.stderr.write(`  onboards ended by: 10% ${at(0.1)}s, 25% ${at(0.25)}s, 50% ${at(0.5)}s, 75% ${at(0.75)}s, 90% ${at(0.9)}s, all ${at(1)}s\n`);
    process.stderr.write(`  dispatched in ${(dispatchedMs / 1000).toFixed(2)}s (counted in the wall time)\n`);
    process.stderr.write(`  wall ${(wallMs / 1000).toFixed(2)}s, bound ${(state.boundMs / 1000).toFixed(2)}s, ${state.allowedCalls} rate-limited calls, ${state.http429} answered 429, ${failed} failed, ${duplicates} duplicated, ${missing} missing; worker peaks ${peaks.join(", ")} MB\n`);
    return {
      scenario: "bulk-onboard-estate",
      customers: CUSTOMERS,
      workers: WORKERS,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((state.boundMs / 1000).toFixed(2)),
      ratio: state.boundMs > 0 ? Number((wallMs / state.boundMs).toFixed(3)) : null,
      http429: state.http429,
      duplicates,
      failed,
      missing,
      calls: state.allowedCalls,
      busiestBucket: busiest[0],
      endedSeconds: { p50: Number(at(0.5)), p90: Number(at(0.9)), all: Number(at(1)) },
      loadAverage: [Number(loadBefore.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
      workerPeakRssMB: peaks,
      limits: LIMITS,
      target: { ratio: 1.1, http429: 0, duplicates: 0, failed: 0 },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await chat.close();
    await emu.close();
    await new Promise((r) => setTimeout(r, 200));
    await deletePrefix(prefix);
  }
}
