/**
 * Drives one rollout through its waves: the template's version read once per source, then each wave's
 * customers updated (many at once, each under its own lock), the wave's failure rate held against the
 * threshold (the rollout pauses and alerts when it passes), and the next wave started only once a wave
 * has ended. Everything it knows is in Redis (rollout-store.ts), so a rollout whose worker died
 * resumes where it stopped; a pause or cancel is seen before each customer starts. Once the rollout
 * ended (completed, or cancelled: the cancel runs this job again when it finds none running), the
 * previous apps updated customers kept are removed (remove-kept-apps.ts); a paused one keeps them.
 */
import { rolloutOf } from "./plan-rollout.ts";
import { inParallel } from "./in-parallel.ts";
import type { DeploymentAdapter, Target } from "../../adapters/port.ts";
import { toQoemError, userError } from "../../adapters/port.ts";
import type { CustomerLock } from "./customer-lock.ts";
import { targetOf, type CustomerRecord, type CustomerRegistry } from "./customer-registry.ts";
import type { Fence } from "./execution-fence.ts";
import type { OperationProgress, StepState } from "./operation-progress.ts";
import type { RolloutStore } from "./rollout-store.ts";
import { customerStates, failedStates, finalStates, versionSourceOf, type CustomerState, type Rollout, type TemplateVersions } from "./rollout-records.ts";
import { updateCustomerApp } from "./update-customer-app.ts";
import { removeKeptApps } from "./remove-kept-apps.ts";

export interface RolloutRunContext {
  store: RolloutStore;
  registry: CustomerRegistry;
  lock: CustomerLock;
  adapterFor(target: Target): DeploymentAdapter;
  jobId: string;
  /** The job's lock: the rollout's own writes hold only while this execution owns the job. */
  jobFence: Fence;
  variables(record: CustomerRecord): Record<string, string>;
  /** Customers updated at once. */
  concurrency: number;
  report(progress: OperationProgress): Promise<void>;
  /** Tells the alerts channel (a paused rollout). */
  alert(text: string): Promise<void>;
  /** How long a customer another operation holds is waited for, in all (default 60 s). */
  busyWaitMs?: number;
  /** Records how each customer's update ended (the audit log: `audit <customer>` shows it). */
  recordOutcome?(customer: string, state: CustomerState, detail: string): Promise<void>;
}

export interface RolloutResult {
  id: string;
  status: string;
  counts: Partial<Record<CustomerState, number>>;
}

const WAVE_NAMES = ["canary", "5%", "25%", "the rest"];

export async function runRollout(ctx: RolloutRunContext, id: string): Promise<RolloutResult> {
  let rollout = await ctx.store.get(id);
  if (!rollout) throw userError(`there is no rollout ${id}`);
  if (rollout.status === "approved") {
    await ctx.store.update(id, ["approved"], { status: "running", startedAt: new Date().toISOString() }, ctx.jobFence);
    rollout = (await ctx.store.get(id))!;
  }
  if (rollout.status !== "running") return finish(ctx, rollout, `rollout ${id} is ${rollout.status}; nothing more to run`);
  const versions = rollout.versions ?? (await readVersions(ctx, rollout));
  const waveStates: Array<Map<string, CustomerState>> = [];
  for (let w = 0; w < rollout.waveSizes.length; w++) waveStates.push(await ctx.store.states(id, await ctx.store.waveCustomers(id, w)));
  let lastReport = 0;
  const report = async (force = false, note?: string) => {
    if (!force && Date.now() - lastReport < 1000) return;
    lastReport = Date.now();
    await ctx.report(progressOf(rollout!, waveStates, "running", note));
  };
  const execution = `${ctx.jobId}@rollout`;
  const subject = { id, template: rollout.template };
  for (let w = rollout.currentWave; w < rollout.waveSizes.length; w++) {
    const states = waveStates[w]!;
    const failedInWave = () => [...states.values()].filter((s) => failedStates.includes(s)).length;
    const overThreshold = () => w !== rollout!.acceptedWave && (failedInWave() * 100) / states.size > rollout!.thresholdPct;
    let control = rollout.status;
    let controlReadAt = 0;
    const stopped = async () => {
      if (Date.now() - controlReadAt > 250) {
        control = (await ctx.store.get(id))?.status ?? "cancelled";
        controlReadAt = Date.now();
      }
      return control !== "running" || overThreshold();
    };
    let todo = [...states].filter(([, s]) => !finalStates.includes(s)).map(([c]) => c);
    const busySince = new Map<string, number>();
    while (todo.length) {
      const busy: string[] = [];
      await inParallel(todo, ctx.concurrency, async (customer) => {
        if (await stopped()) return;
        const outcome = await updateCustomerApp({ store: ctx.store, registry: ctx.registry, lock: ctx.lock, adapterFor: ctx.adapterFor, rollout: subject, versions, jobFence: ctx.jobFence, execution, variables: ctx.variables }, customer);
        if (outcome === "busy") {
          busy.push(customer);
          return;
        }
        const before = states.get(customer);
        states.set(customer, outcome);
        if (before !== outcome) await ctx.recordOutcome?.(customer, outcome, (await ctx.store.detail(id, customer)).reason ?? "").catch(() => undefined);
        await report();
      });
      if (await stopped()) break;
      todo = [];
      for (const customer of busy) {
        const since = busySince.get(customer) ?? Date.now();
        busySince.set(customer, since);
        if (Date.now() - since < (ctx.busyWaitMs ?? 60_000)) todo.push(customer);
        else if ((await ctx.store.move(id, customer, ["pending"], "skipped", { reason: "another operation held the customer for the whole wave" }, ctx.jobFence)).ok) states.set(customer, "skipped");
      }
      if (todo.length) await new Promise((r) => setTimeout(r, 1000));
    }
    if (overThreshold()) {
      const reason = `wave ${w + 1} (${WAVE_NAMES[Math.min(w, 3)]}): ${failedInWave()} of ${states.size} customers failed or were rolled back (${Math.round((failedInWave() * 100) / states.size)}% > ${rollout.thresholdPct}%)`;
      const paused = await ctx.store.update(id, ["running"], { status: "paused", pausedReason: reason }, ctx.jobFence);
      rollout = (await ctx.store.get(id))!;
      if (paused.ok) await ctx.alert(`Rollout ${id} of "${rollout.template}" paused: ${reason}. See /qoem rollout status ${id}; /qoem rollout resume ${id} goes on, /qoem rollout cancel ${id} stops it.`).catch(() => undefined);
      return finish(ctx, rollout, `paused: ${reason}`, waveStates);
    }
    rollout = (await ctx.store.get(id))!;
    if (rollout.status !== "running") return finish(ctx, rollout, `${rollout.status}${rollout.lastControl ? ` (${rollout.lastControl})` : ""}`, waveStates);
    await ctx.store.update(id, ["running"], { currentWave: String(w + 1) }, ctx.jobFence);
    rollout = { ...rollout, currentWave: w + 1 };
    await report(true);
  }
  await ctx.store.update(id, ["running"], { status: "completed", endedAt: new Date().toISOString() }, ctx.jobFence);
  rollout = (await ctx.store.get(id))!;
  return finish(ctx, rollout, rollout.status === "completed" ? "completed" : `${rollout.status}${rollout.lastControl ? ` (${rollout.lastControl})` : ""}`, waveStates);
}

/** The template's version in each source the rollout's customers use, read once and recorded with the rollout. */
async function readVersions(ctx: RolloutRunContext, rollout: Rollout): Promise<TemplateVersions> {
  const planned = new Set<string>();
  for (let w = 0; w < rollout.waveSizes.length; w++) for (const c of await ctx.store.waveCustomers(rollout.id, w)) planned.add(c);
  const targets = new Map<string, Target>();
  for (const record of await ctx.registry.list()) if (planned.has(record.customer)) targets.set(versionSourceOf(targetOf(record)), targetOf(record));
  const versions: TemplateVersions = {};
  for (const [source, target] of targets) {
    try {
      versions[source] = await rolloutOf(ctx.adapterFor(target), rollout.template).templateVersion(rollout.template, target);
    } catch (error) {
      // A source without the template fails its customers (with the reason on each), not the others.
      if (toQoemError(error).retryable) throw error;
    }
  }
  await ctx.store.update(rollout.id, ["running"], { versions: JSON.stringify(versions) }, ctx.jobFence);
  return versions;
}

/** Reports how the rollout stands; a rollout that ended first has its kept previous apps removed. */
async function finish(ctx: RolloutRunContext, rollout: Rollout, note: string, waveStates?: Array<Map<string, CustomerState>>): Promise<RolloutResult> {
  const states = waveStates ?? [];
  let removal = "";
  // A cancel that came as the rollout paused found this job still running and left the removal to it.
  if (rollout.status === "paused") {
    const now = await ctx.store.get(rollout.id);
    if (now?.status === "cancelled") rollout = now;
  }
  if ((rollout.status === "completed" || rollout.status === "cancelled") && (await ctx.store.keptCount(rollout.id)) > 0) {
    await ctx.report(progressOf(rollout, states, "running", "removing the previous apps the updated customers kept"));
    const { removed, left } = await removeKeptApps({ store: ctx.store, registry: ctx.registry, lock: ctx.lock, adapterFor: ctx.adapterFor, jobFence: ctx.jobFence, execution: `${ctx.jobId}@rollout`, concurrency: ctx.concurrency, ...(ctx.busyWaitMs !== undefined ? { busyWaitMs: ctx.busyWaitMs } : {}) }, rollout.id);
    removal = ` Previous apps removed: ${removed}${left ? `; ${left} left behind (rollout status ${rollout.id} says why)` : ""}.`;
  }
  const counts = await ctx.store.counts(rollout.id);
  const failures = await ctx.store.failures(rollout.id, 10);
  const progress = progressOf(rollout, states, rollout.status === "paused" ? "waiting" : "done");
  progress.summary = `Rollout ${rollout.id} of "${rollout.template}": ${note}. ${describeCounts(counts)}.${failures.length ? ` Failed or rolled back: ${failures.map((f) => `${f.customer} (${f.reason})`).join("; ")}` : ""}${removal}`;
  await ctx.report(progress);
  return { id: rollout.id, status: rollout.status, counts };
}

export function describeCounts(counts: Partial<Record<CustomerState, number>>): string {
  // In the states' own order (under way, then how they ended), whatever order Redis kept them in.
  const parts = customerStates.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(", ") : "no customers";
}

function progressOf(rollout: Rollout, waveStates: Array<Map<string, CustomerState>>, phase: OperationProgress["phase"], note?: string): OperationProgress {
  const steps: StepState[] = rollout.waveSizes.map((size, w) => {
    const states = waveStates[w];
    const counts: Partial<Record<CustomerState, number>> = {};
    for (const s of states?.values() ?? []) counts[s] = (counts[s] ?? 0) + 1;
    const done = states ? [...states.values()].filter((s) => finalStates.includes(s)).length : 0;
    const state: StepState["state"] = w < rollout.currentWave ? "done" : w === rollout.currentWave && rollout.status === "paused" ? "failed" : w === rollout.currentWave && rollout.status === "running" ? "running" : "pending";
    return { id: `wave-${w + 1}`, title: `Wave ${w + 1} (${WAVE_NAMES[Math.min(w, 3)]}, ${size} customers)`, state, detail: states ? `${done}/${size} done: ${describeCounts(counts)}` : "" };
  });
  return { operation: "rollout", customer: rollout.id, where: `"${rollout.template}"`, phase, steps, ...(note ? { note } : {}) };
}
