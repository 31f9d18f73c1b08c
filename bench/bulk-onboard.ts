/**
 * bulk-onboard: 200 customers onboarded across three regions against the Qlik Cloud emulator with
 * its rate limits on (scaled down: windows of seconds instead of minutes, so the run is short). The
 * bound is the least time those limits allow for the calls actually made: per (host, tier) bucket,
 * the first `max` calls go at once and every further `max` waits one window.
 */
import { pino } from "pino";
import { readConfig } from "../src/config.ts";
import { startQoem } from "../src/main.ts";
import { dispatchCommand } from "../src/chat/dispatch-command.ts";
import { followJob } from "../src/queue/follow-job.ts";
import { deletePrefix } from "../test/support/redis-prefix.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 200);
const REGIONS = ["eu", "us", "de"];
const WINDOW_MS = 10_000;
const LIMITS = { tier1: { max: 100, windowMs: WINDOW_MS }, tier2: { max: 20, windowMs: WINDOW_MS } };
/** The gate keeps a little more than the emulator's window, so clock skew never costs a 429. */
const GATE_MARGIN_MS = 20;

export async function bulkOnboard(): Promise<Record<string, unknown>> {
  const prefix = `qoem-bench-${process.pid}`;
  const emu = await spawnEmulator(LIMITS);
  const config = readConfig({ ...process.env, QOEM_PREFIX: prefix, QOEM_EMULATOR_URL: emu.url, QOEM_ROLES: "worker", SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "" });
  const qoem = await startQoem(config, {
    logger: pino({ level: "silent" }),
    worker: { concurrency: 250 },
    rateLimits: {
      tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS },
      tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS },
    },
  });
  try {
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({ name: `bench-${String(i).padStart(4, "0")}`, region: REGIONS[i % REGIONS.length]! }));
    process.stderr.write(`bulk-onboard: ${CUSTOMERS} customers across ${REGIONS.join(", ")}; limits per host: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s, tier 2 ${LIMITS.tier2.max}/${WINDOW_MS / 1000}s\n`);
    const started = Date.now();
    const jobIds = await Promise.all(
      customers.map(async (c) => {
        const answer = await dispatchCommand({ text: `onboard ${c.name} ${c.region}`, user: "bench", surface: "cli" }, qoem.dispatch);
        if (answer.kind !== "operation") throw new Error(`${c.name}: ${JSON.stringify(answer)}`);
        return answer.jobId;
      }),
    );
    const outcomes = await Promise.all(jobIds.map((id) => followJob(qoem.events, qoem.operations, id, () => undefined)));
    const wallMs = Date.now() - started;
    const state = await emu.state();
    const boundMs = state.boundMs;
    const names = new Map<string, number>();
    for (const t of state.tenants) if (t.status !== "deleted") names.set(t.name, (names.get(t.name) ?? 0) + 1);
    const duplicates = customers.filter((c) => (names.get(c.name) ?? 0) > 1).length;
    const missing = customers.filter((c) => !names.get(c.name)).length;
    const failed = outcomes.filter((o) => o.state !== "completed").length;
    const calls = state.allowedCalls;
    if (process.env.BENCH_TRACE) {
      const created = state.tenants.filter((t) => t.region === "eu" && t.name.startsWith("bench-")).map((t) => Date.parse(t.created) - started).sort((a, b) => a - b);
      process.stderr.write(`  eu creates at (ms): ${created.join(" ")}\n`);
    }
    process.stderr.write(`  wall ${(wallMs / 1000).toFixed(2)}s, bound ${(boundMs / 1000).toFixed(2)}s, ${calls} rate-limited calls, ${state.http429} answered 429, ${failed} failed, ${duplicates} duplicated, ${missing} missing\n`);
    return {
      scenario: "bulk-onboard",
      customers: CUSTOMERS,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((boundMs / 1000).toFixed(2)),
      ratio: boundMs > 0 ? Number((wallMs / boundMs).toFixed(3)) : null,
      http429: state.http429,
      duplicates,
      failed,
      missing,
      calls,
      limits: LIMITS,
      target: { ratio: 1.2, duplicates: 0, failed: 0 },
    };
  } finally {
    await qoem.close();
    await emu.close();
    // Workers may still write a queue's meta key while closing: delete after they settle.
    await new Promise((r) => setTimeout(r, 200));
    await deletePrefix(prefix);
  }
}
