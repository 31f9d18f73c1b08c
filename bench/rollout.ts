/**
 * rollout: a new version of "Sales Overview" rolled out to 8,500 customers in one emulated region
 * (`--customers=N` or BENCH_CUSTOMERS for fewer) by one qoem worker process running the compiled
 * JavaScript (dist/, V8 tuned as in production; its peak resident memory is its high-water mark,
 * VmHWM), the chat side (request, approval) in this process, the emulator in its own process with Qlik's rate
 * limits on and scaled (windows of seconds; tier 2 one call per window per tenant, so each tenant's
 * limits bind). Qlik counts limits per tenant, so no limit is shared across the fleet: the least
 * time is per wave (waves run one after another by design) the slowest tenant's least time under
 * its own limits, computed from the calls the emulator let through, summed over the waves. The
 * rollout's last phase (once it completed) removes each updated customer's kept previous app: one
 * tier-2 call per customer, which for the earlier waves' tenants costs no wait (their windows passed
 * long before), so it counts in the last wave's tenants' least time only.
 */
import { pino } from "pino";
import { z } from "zod";
import { readConfig } from "../src/config.ts";
import { startQoem } from "../src/main.ts";
import { dispatchCommand } from "../src/chat/dispatch-command.ts";
import { deletePrefix, REDIS_URL } from "../test/support/redis-prefix.ts";
import { startCompiledQoem, type CompiledQoem } from "./compiled-qoem.ts";
import { spawnEmulator } from "./spawn-emulator.ts";

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const CUSTOMERS = Number(flag("customers") ?? process.env.BENCH_CUSTOMERS ?? 8500);
const WINDOW_MS = Number(flag("window-seconds") ?? process.env.BENCH_WINDOW_SECONDS ?? 60) * 1000;
// Qlik's special tier (POST /v1/reloads, 50/min against tier 2's 100) is a budget of its own: scaled to one per window too.
const LIMITS = { tier1: { max: 6, windowMs: WINDOW_MS }, tier2: { max: 1, windowMs: WINDOW_MS }, special: { max: 1, windowMs: WINDOW_MS } };
const GATE_MARGIN_MS = 20;
const CONCURRENCY = Number(flag("concurrency") ?? process.env.BENCH_ROLLOUT_CONCURRENCY ?? 20_000);
const TEMPLATE = "Sales Overview";

const bucketsSchema = z.object({
  limits: z.record(z.string(), z.object({ max: z.number(), windowMs: z.number() }).nullable()),
  allowed: z.record(z.string(), z.number()),
  refused: z.record(z.string(), z.number()).default({}),
  refusedByOperation: z.record(z.string(), z.number()).default({}),
});

export async function rollout(): Promise<Record<string, unknown>> {
  const prefix = `qoem-bench-rollout-${process.pid}`;
  const emu = await spawnEmulator(LIMITS);
  const seeded = await fetch(`${emu.url}/_emulator/tenants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: CUSTOMERS, region: "eu", prefix: "roll-", apps: [TEMPLATE] }) });
  const { tenants } = z.object({ tenants: z.array(z.object({ id: z.string(), name: z.string(), hostname: z.string() })) }).parse(await seeded.json());
  const config = readConfig({ ...process.env, QOEM_PREFIX: prefix, QOEM_EMULATOR_URL: emu.url, QOEM_ROLES: "chat", SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "" });
  const gate = { tier1: { max: LIMITS.tier1.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, tier2: { max: LIMITS.tier2.max, windowMs: WINDOW_MS + GATE_MARGIN_MS }, special: { max: LIMITS.special.max, windowMs: WINDOW_MS + GATE_MARGIN_MS } };
  const qoem = await startQoem(config, { logger: pino({ level: "silent" }), rateLimits: gate });
  let worker: CompiledQoem | undefined;
  try {
    for (let i = 0; i < tenants.length; i += 500) {
      await Promise.all(
        tenants.slice(i, i + 500).map(async (t) => {
          await qoem.registry.begin(t.name, { kind: "cloud", region: "eu" }, "bench", "active", "bench");
          await qoem.registry.update(t.name, { tenantId: t.id, hostname: t.hostname });
        }),
      );
    }
    const shipped = await fetch(`${emu.url}/_emulator/source-apps`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: TEMPLATE, content: `QVF emulated app: ${TEMPLATE} v2\n${"x".repeat(2048)}` }) });
    if (!shipped.ok) throw new Error(`could not ship a new version: ${shipped.status}`);
    // Customers a rollout updates at once: Qlik's limits are per tenant, so each customer mostly waits at its own tenant's gate.
    worker = await startCompiledQoem({ redisUrl: REDIS_URL, prefix, emulatorUrl: emu.url, roles: "worker", gate, env: { BENCH_ROLLOUT_CONCURRENCY: String(CONCURRENCY) } });
    process.stderr.write(`rollout: ${CUSTOMERS} customers in eu; limits per tenant: tier 1 ${LIMITS.tier1.max}/${WINDOW_MS / 1000}s, tier 2 ${LIMITS.tier2.max}/${WINDOW_MS / 1000}s, special (reloads) ${LIMITS.special.max}/${WINDOW_MS / 1000}s; ${CONCURRENCY} customers at once; worker pid ${worker.pid}, resident before the rollout ${worker.memory().rssMB} MB\n`);
    worker.resetPeak();

    const asked = await dispatchCommand({ text: `rollout "${TEMPLATE}" --region eu`, user: "bench-engineer", surface: "cli" }, qoem.dispatch);
    if (asked.kind !== "approval") throw new Error(`rollout not requested: ${JSON.stringify(asked)}`);
    const id = asked.approval.rolloutId!;
    const started = Date.now();
    const approved = await dispatchCommand({ text: `approve ${asked.approval.id}`, user: "bench-approver", surface: "cli" }, qoem.dispatch);
    if (approved.kind !== "decision" || !approved.decision.ok) throw new Error(`rollout not approved: ${JSON.stringify(approved)}`);
    let lastLine = 0;
    for (;;) {
      const r = await qoem.dispatch.rollouts.get(id);
      // A completed rollout ends once its kept previous apps are removed.
      if (!r || ["paused", "cancelled"].includes(r.status) || (r.status === "completed" && (await qoem.dispatch.rollouts.keptCount(id)) === 0)) break;
      if (Date.now() - lastLine > 15_000) {
        lastLine = Date.now();
        process.stderr.write(`  ${((Date.now() - started) / 1000).toFixed(0)}s: wave ${r.currentWave + 1} of ${r.waveSizes.length}, ${JSON.stringify(await qoem.dispatch.rollouts.counts(id))}\n`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const wallMs = Date.now() - started;
    const final = (await qoem.dispatch.rollouts.get(id))!;
    const counts = await qoem.dispatch.rollouts.counts(id);

    // The bound: per wave, the slowest tenant's least time under its own limits (first `max` calls at once, each further `max` one window later).
    const buckets = bucketsSchema.parse(await (await fetch(`${emu.url}/_emulator/buckets`)).json());
    const byHost = new Map<string, Array<[string, number]>>();
    for (const [key, n] of Object.entries(buckets.allowed)) {
      const [tier, host] = key.split("|") as [string, string];
      byHost.set(host, [...(byHost.get(host) ?? []), [tier, n]]);
    }
    // A host's least time for its calls, less `later` tier-2 calls made after the last wave (first `max` calls at once, each further `max` one window later).
    const leastTime = (host: string, later = 0) =>
      Math.max(0, ...(byHost.get(host) ?? []).map(([tier, n]) => {
        const limit = buckets.limits[tier];
        const calls = tier === "tier2" ? n - later : n;
        return limit && calls > 0 ? Math.floor((calls - 1) / limit.max) * limit.windowMs : 0;
      }));
    const hostOf = new Map(tenants.map((t) => [t.name, t.hostname]));
    const waveBounds: number[] = [];
    for (let w = 0; w < final.waveSizes.length; w++) {
      const customers = await qoem.dispatch.rollouts.waveCustomers(id, w);
      const last = w === final.waveSizes.length - 1;
      // An updated customer of an earlier wave made one of its calls (the removal of its kept app) after the last wave.
      const states = await qoem.dispatch.rollouts.states(id, customers);
      waveBounds.push(Math.max(0, ...customers.map((c) => leastTime(hostOf.get(c)!, !last && states.get(c) === "updated" ? 1 : 0))));
    }
    // The source tenant (the version read, the one export) is paced before the first wave's imports.
    const sourceMs = Math.max(0, ...[...byHost.keys()].filter((h) => !h.startsWith("roll-")).map((h) => leastTime(h)));
    const boundMs = waveBounds.reduce((a, b) => a + b, 0) + sourceMs;
    const state = await emu.state();
    if (state.http429) {
      // Which operations and buckets overran their tier: the gate should have kept every one of them within it.
      const refusedBuckets = Object.entries(buckets.refused).sort((a, b) => b[1] - a[1]);
      process.stderr.write(`  429 by operation ${JSON.stringify(buckets.refusedByOperation)}; ${refusedBuckets.length} buckets, most: ${JSON.stringify(refusedBuckets.slice(0, 5))}\n`);
    }
    const peakRssMB = worker.memory().peakMB;
    const republished = counts.updated ?? 0;
    const failed = (counts.failed ?? 0) + (counts["rolled-back"] ?? 0);
    process.stderr.write(`  ${final.status}: wall ${(wallMs / 1000).toFixed(2)}s, bound ${(boundMs / 1000).toFixed(2)}s (waves ${waveBounds.map((b) => (b / 1000).toFixed(0)).join(" + ")} s), ${state.allowedCalls} rate-limited calls, ${state.http429} answered 429, ${JSON.stringify(counts)}, peak RSS ${peakRssMB} MB; engine sessions ${state.engine.sessions} opened, ${state.engine.active} still open\n`);
    return {
      scenario: "rollout",
      customers: CUSTOMERS,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      boundSeconds: Number((boundMs / 1000).toFixed(2)),
      ratio: boundMs > 0 ? Number((wallMs / boundMs).toFixed(3)) : null,
      http429: state.http429,
      republished,
      failed,
      peakRssMB,
      concurrency: CONCURRENCY,
      status: final.status,
      waves: final.waveSizes,
      calls: state.allowedCalls,
      engineSessions: state.engine.sessions,
      engineSessionsOpen: state.engine.active,
      limits: LIMITS,
      target: { ratio: 1.2, http429: 0, failed: 0 },
    };
  } finally {
    await worker?.stop();
    await qoem.close();
    await emu.close();
    await new Promise((r) => setTimeout(r, 200));
    await deletePrefix(prefix);
  }
}
