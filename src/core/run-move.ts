/**
 * The operation runner for a move: the target is built by the target adapter's own onboard steps,
 * each of the customer's apps is exported from the source and imported into the target (staging, then
 * production), the target's health is checked, and only then is the customer pointed at the target.
 * The source is not touched: it is removed later (remove-moved-source.ts) or gone back to
 * (move-back.ts). Every finished step and every fact is checkpointed with the move (fenced), so a
 * retry after a fault at any step resumes: one target, one copy of each app.
 */
import { permanent, userError, type CustomerEnvironment, type DeploymentAdapter, type StepFacts, type Target } from "../../adapters/port.ts";
import type { CustomerRegistry } from "./customer-registry.ts";
import type { OperationProgress, StepState } from "./operation-progress.ts";
import type { Fence } from "./execution-fence.ts";
import { describeTarget, whereOfTarget, type CustomerMove, type CustomerMoves } from "./customer-moves.ts";
import { checkMovableApps } from "./check-movable-apps.ts";
import { moveRequestOf } from "./plan-move.ts";
import { requireCustomer } from "./customer-environment.ts";
import type { OnboardCheckpoints } from "./onboard-checkpoint.ts";

export interface MoveRun {
  registry: CustomerRegistry;
  moves: CustomerMoves;
  adapterFor(target: Target): DeploymentAdapter;
  jobId: string;
  attempt: number;
  fence?: Fence;
  assertCurrent(what: string): Promise<void>;
  report(progress: OperationProgress): Promise<void>;
  /** Days the source waits for its removal when no approver approves it sooner. */
  graceDays: number;
  /** The customers' onboard checkpoints (absent outside a worker). */
  checkpoints?: OnboardCheckpoints;
}

export interface MoveSummary {
  customer: string;
  from: string;
  to: string;
  apps: Array<{ name: string; sizeBytes: number }>;
  /** When the source is removed unless an approver approves it sooner (ISO). */
  removeAfter: string;
  summary: string;
}

/** The source as the registry had it before the move: what going back restores and what removal removes. */
export function sourceEnvOf(move: CustomerMove, templates: string[]): CustomerEnvironment {
  return { customer: move.customer, target: move.from, ...(templates.length ? { templates } : {}), ...(move.fromTenantId ? { tenantId: move.fromTenantId } : {}), ...(move.fromHostname ? { hostname: move.fromHostname } : {}) };
}

/** The target as the move's onboard steps built it (their facts). */
export function targetEnvOf(move: CustomerMove, templates: string[]): CustomerEnvironment {
  const f = move.checkpoint.facts;
  const hostname = f.hostname ?? f.tenantHost;
  return { customer: move.customer, target: move.to, ...(templates.length ? { templates } : {}), ...(f.tenantId ? { tenantId: f.tenantId } : {}), ...(hostname ? { hostname } : {}) };
}

export async function runMove(run: MoveRun, customer: string, moveId: string): Promise<MoveSummary> {
  const record = await requireCustomer(run.registry, customer);
  const move = await run.moves.get(customer);
  if (!move || move.id !== moveId) throw permanent(`${customer} has no move ${moveId}; it was replaced or never approved`);
  const from = describeTarget(move.from);
  const to = describeTarget(move.to);
  const where = `${whereOfTarget(move.from)} → ${whereOfTarget(move.to)}`;
  const summaryOf = (m: CustomerMove) => `${customer} moved from ${from} to ${to}: ${m.apps.length} app${m.apps.length === 1 ? "" : "s"} moved (${m.apps.map((a) => a.name).join(", ") || "none"}); the source is removed on ${m.removeAfter?.slice(0, 10) ?? "-"} unless an approver approves it sooner, and until then /qoem move ${customer} back returns to it`;
  const result = (m: CustomerMove): MoveSummary => ({ customer, from, to, apps: m.apps.map((a) => ({ name: a.name, sizeBytes: a.sizeBytes })), removeAfter: m.removeAfter ?? "", summary: summaryOf(m) });
  if (move.phase === "moved" && record.status === "moving") {
    await run.report({ operation: "move", customer, where, phase: "done", steps: [], summary: summaryOf(move) });
    return result(move);
  }
  if (record.status !== "moving") throw permanent(`${customer} is ${record.status} now, so this move was cancelled`);
  if (move.phase !== "approved" && move.phase !== "building") throw permanent(`${customer}'s move is ${move.phase}; nothing to build`);

  const source = run.adapterFor(move.from);
  const target = run.adapterFor(move.to);
  if (!source.apps) throw userError(`qoem cannot read the apps of ${from}, so ${customer} cannot be moved from there`);
  const templates = record.templates ? record.templates.split("|").filter(Boolean) : [];
  const sourceEnv = sourceEnvOf(move, templates);
  const request = moveRequestOf(record, move.to, source);
  const checkpoint = move.checkpoint;
  const facts: StepFacts = { ...checkpoint.facts };
  let apps = move.apps;
  const conditions = run.registry.conditions(customer, { status: "moving" });
  const save = async (more: Partial<Pick<CustomerMove, "apps" | "phase" | "removeAfter">> = {}) => {
    checkpoint.facts = { ...facts };
    await run.moves.update(customer, moveId, { checkpoint, ...more }, run.fence, conditions);
  };
  const persistFacts = async (more: StepFacts) => {
    Object.assign(facts, more);
    await save();
  };

  const onboardSteps = target.onboardSteps(request);
  const states: StepState[] = [];
  const stateOf = (id: string, title: string): StepState => {
    let s = states.find((x) => x.id === id);
    if (!s) {
      const done = checkpoint.done[id];
      s = done ? { id, title, state: "done", outcome: done.outcome, detail: done.detail, durationMs: done.durationMs, resumed: true } : { id, title, state: "pending" };
      states.push(s);
    }
    return s;
  };
  const appStep = (name: string) => ({ id: `app:${name}`, title: `Move app ${name}` });
  // The apps go in once the target can take them (its spaces exist), before the steps that would otherwise deploy templates beside them.
  const after = onboardSteps.findIndex((s) => s.id === target.apps?.importAfterStep);
  const cut = after < 0 ? onboardSteps.length : after + 1;
  const before = onboardSteps.slice(0, cut);
  const rest = onboardSteps.slice(cut);
  stateOf("check-apps", "Check the source's apps");
  for (const s of before) stateOf(s.id, s.title);
  const registerApps = () => {
    const at = rest.length ? states.findIndex((x) => x.id === rest[0]!.id) : -1;
    const added = apps.filter((a) => !states.some((x) => x.id === appStep(a.name).id)).map((a) => stateOf(appStep(a.name).id, appStep(a.name).title));
    if (at >= 0) {
      for (const s of added) states.splice(states.indexOf(s), 1);
      states.splice(at, 0, ...added);
    }
  };
  for (const s of rest) stateOf(s.id, s.title);
  registerApps();
  const snapshot = (phase: OperationProgress["phase"], extra: Partial<OperationProgress> = {}): OperationProgress => ({ operation: "move", customer, where, phase, steps: states.map((s) => ({ ...s })), attempt: run.attempt, ...extra });

  const step = async (id: string, title: string, body: () => Promise<{ outcome: string; detail: string }>) => {
    const state = stateOf(id, title);
    if (state.state === "done") return;
    await run.assertCurrent(`step "${title}"`);
    state.state = "running";
    await run.report(snapshot("running"));
    const started = Date.now();
    try {
      const out = await body();
      const durationMs = Date.now() - started;
      Object.assign(state, { state: "done", outcome: out.outcome, detail: out.detail, durationMs });
      checkpoint.done[id] = { outcome: out.outcome, detail: out.detail, durationMs };
      await save({ apps });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "rate_limited" || code === "superseded") Object.assign(state, { state: "pending" });
      else {
        Object.assign(state, { state: "failed", detail: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started });
        await run.report(snapshot("running"));
      }
      throw error;
    }
  };

  await run.assertCurrent("the move started");
  await run.moves.update(customer, moveId, { phase: "building" }, run.fence, conditions);
  await run.registry.update(customer, { lastJobId: run.jobId, lastError: "" }, run.fence, { status: "moving" });

  await step("check-apps", "Check the source's apps", async () => {
    const found = await source.apps!.listApps(sourceEnv);
    const refusals = checkMovableApps(found, target, to);
    if (refusals.length) throw userError(`the move cannot start: ${refusals.join("; ")}. Nothing was created`);
    apps = found.map((a) => ({ name: a.name, sizeBytes: a.sizeBytes, from: a.id, to: "", done: false }));
    registerApps();
    return { outcome: "unchanged", detail: `${apps.length} app${apps.length === 1 ? "" : "s"} to move: ${apps.map((a) => a.name).join(", ") || "none"}` };
  });

  const onboardStep = (s: (typeof onboardSteps)[number]) =>
    step(s.id, s.title, async () => {
      const out = await s.run({ request, facts: { ...facts }, checkpoint: persistFacts, ...(run.fence?.signal ? { signal: run.fence.signal } : {}) });
      Object.assign(facts, out.facts ?? {});
      return out;
    });
  for (const s of before) await onboardStep(s);

  const targetEnv = (): CustomerEnvironment => targetEnvOf({ ...move, checkpoint: { ...checkpoint, facts } }, request.templates);
  for (const app of apps) {
    const { id, title } = appStep(app.name);
    await step(id, title, async () => {
      const out = await target.apps!.importApp!({ request, facts: { ...facts }, checkpoint: persistFacts }, { id: app.from, name: app.name, sizeBytes: app.sizeBytes }, () => source.apps!.exportApp(sourceEnv, { id: app.from, name: app.name, sizeBytes: app.sizeBytes }));
      app.done = true;
      app.to = targetEnv().hostname ?? whereOfTarget(move.to);
      return out;
    });
  }

  for (const s of rest) await onboardStep(s);

  await step("target-health", "Check the target's health", async () => {
    const health = await target.health(targetEnv());
    if (health.verdict === "red") throw permanent(`the target is not healthy (${health.reasons.join("; ")}); the source is untouched. Fix it, then send /qoem move ${customer} ${whereOfTarget(move.to)} to resume, or /qoem move ${customer} back`);
    return { outcome: "unchanged", detail: `${health.verdict}${health.reasons.length ? `: ${health.reasons.join("; ")}` : ""}` };
  });

  await run.assertCurrent("the customer was pointed at the target");
  const env = targetEnv();
  // The onboard checkpoint follows the customer: a later onboard on the target adopts what the move built; the source's is kept with the move for going back.
  if (run.checkpoints) {
    const fromWhere = whereOfTarget(move.from);
    const held = move.sourceCheckpoint ?? (await run.checkpoints.load(customer, fromWhere));
    if (!move.sourceCheckpoint) await run.moves.update(customer, moveId, { sourceCheckpoint: held }, run.fence, conditions);
    await run.checkpoints.save(customer, whereOfTarget(move.to), { facts: { ...facts }, done: {} }, run.fence, conditions);
  }
  // A shared tenant's offer becomes the customer's own on its tenant (what the target's onboard gave it); the
  // source's place stays taken in the shared tenant's count until its removal (remove-moved-source.ts).
  const given = move.from.kind === "shared" ? { ...(!record.templates && request.templates.length ? { templates: request.templates.join("|") } : {}), ...(!record.features && request.features.length ? { features: request.features.join(",") } : {}) } : {};
  await run.registry.relocate(customer, move.to, { ...(env.tenantId ? { tenantId: env.tenantId } : {}), ...(env.hostname ? { hostname: env.hostname } : {}), ...given, lastError: "" }, "moving", run.fence, { keepOldPlace: move.from.kind === "shared" });
  const removeAfter = new Date(Date.now() + run.graceDays * 86_400_000).toISOString();
  await save({ apps, phase: "moved", removeAfter });
  const done: CustomerMove = { ...move, apps, checkpoint, phase: "moved", removeAfter };
  await run.report(snapshot("done", { summary: summaryOf(done) }));
  return result(done);
}
