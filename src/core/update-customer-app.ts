/**
 * One customer's part of a rollout, as a state machine recorded in Redis before each call that
 * changes something: pending -> staged (the new version imported, the previous app kept) ->
 * replacing (recorded before the replace goes out) -> replaced -> reloaded and checked -> updated
 * (the previous app kept until the rollout ends), or rolling-back -> rolled-back. Run under the customer's lock and the job's lock (one fence), so
 * an execution that lost either stops before its next call. A resumed customer found `replacing`
 * replaces only if production's publish time has not moved since it was read: a customer is never
 * republished twice, whenever the worker was killed.
 */
import { rolloutOf } from "./plan-rollout.ts";
import type { AppRollout, CustomerEnvironment, DeploymentAdapter, PublishedApp, Target, TemplateVersion } from "../../adapters/port.ts";
import { toQoemError, type QoemError } from "../../adapters/port.ts";
import type { CustomerLock } from "./customer-lock.ts";
import { targetOf, templateVersionsOf, type CustomerRecord, type CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import { currentFence, superseded, type Fence } from "./execution-fence.ts";
import type { RolloutStore } from "./rollout-store.ts";
import { finalStates, versionSourceOf, type CustomerDetail, type CustomerState, type Rollout, type TemplateVersions } from "./rollout-records.ts";

export interface CustomerUpdateContext {
  store: RolloutStore;
  registry: CustomerRegistry;
  lock: CustomerLock;
  adapterFor(target: Target): DeploymentAdapter;
  rollout: Pick<Rollout, "id" | "template">;
  versions: TemplateVersions;
  /** The rollout job's own lock: every write and call of this update also checks it. */
  jobFence: Fence;
  /** Who holds the customer's lock (the job and its execution). */
  execution: string;
  variables(record: CustomerRecord): Record<string, string>;
  /** Retries of a call that failed transiently (a 5xx, a dropped connection, a 429 after its wait). */
  retries?: number;
}

/** The state the customer's update ended in, or `busy` when another operation holds the customer. */
export type UpdateOutcome = CustomerState | "busy";

export async function updateCustomerApp(ctx: CustomerUpdateContext, customer: string): Promise<UpdateOutcome> {
  const held = await ctx.lock.acquire(customer, ctx.execution);
  if (!held) return "busy";
  const fence: Fence = { checks: [...ctx.jobFence.checks, { key: held.key, value: held.value }], signal: held.signal };
  try {
    return await currentFence.run(fence, () => advance(ctx, customer, fence));
  } finally {
    await held.release().catch(() => undefined);
  }
}

const publishedOf = (d: CustomerDetail): PublishedApp => ({ appId: d.appId ?? "", publishTime: d.publishTime ?? "", ...(d.originAppId ? { originAppId: d.originAppId } : {}) });

async function advance(ctx: CustomerUpdateContext, customer: string, fence: Fence): Promise<CustomerState> {
  const { store, rollout } = ctx;
  let state = (await store.states(rollout.id, [customer])).get(customer);
  if (!state) throw superseded(`${customer} is not part of rollout ${rollout.id}`);
  if (finalStates.includes(state)) return state;
  let detail = await store.detail(rollout.id, customer);
  const move = async (to: CustomerState, next: CustomerDetail, options: { keepUntilEnd?: boolean } = {}) => {
    const moved = await store.move(rollout.id, customer, [state!], to, next, fence, options);
    if (!moved.ok) throw superseded(`${customer} moved to ${moved.state} under another execution`);
    state = to;
    detail = next;
  };
  const record = await ctx.registry.get(customer);
  if (!record || record.status !== "active") {
    const why = `${customer} is ${record?.status ?? "gone"}, not active`;
    await move(state === "pending" ? "skipped" : "failed", { ...detail, reason: why });
    return state;
  }
  const env = environmentOf(record);
  const apps = rolloutOf(ctx.adapterFor(targetOf(record)), customer);
  const version: TemplateVersion | undefined = ctx.versions[versionSourceOf(targetOf(record))];
  if (!version) {
    await move("failed", { ...detail, reason: `template '${rollout.template}' has no version in the source of ${customer}'s deployment` });
    return state;
  }
  const call = <T>(fn: () => Promise<T>) => withRetries(fn, ctx.retries ?? 4);
  let replaceTries = 0;
  /** This execution recorded `replacing` itself and has not sent the replace yet. */
  let unsent = false;
  for (;;) {
    try {
      switch (state) {
        case "pending": {
          if (templateVersionsOf(record)[rollout.template] === version.version) {
            await move("skipped", { reason: `already has version ${version.version}` });
            break;
          }
          const published = await call(() => apps.findPublished(env, rollout.template));
          if (!published) {
            await move("skipped", { reason: `its production has no published '${rollout.template}'` });
            break;
          }
          const kept = await call(() => apps.keep(env, rollout.template, published));
          const staged = await call(() => apps.stage(env, version, published));
          await move("staged", { appId: published.appId, publishTime: published.publishTime, ...(published.originAppId ? { originAppId: published.originAppId } : {}), keptAppId: kept.appId, stagedAppId: staged.appId });
          break;
        }
        case "staged":
          // Recorded before the replace goes out: from here a resumed update asks production whether it went.
          await move("replacing", detail);
          unsent = true;
          break;
        case "replacing": {
          // Sent once per look: a replace found under way (a resumed update) or whose answer was lost may have landed,
          // so production is asked first; only a replace this execution has not sent yet goes without looking.
          let due = unsent;
          if (!unsent) {
            const now = await call(() => apps.findPublished(env, rollout.template));
            if (!now) throw toQoemError(new Error(`${customer}'s production app '${rollout.template}' disappeared during the update`));
            due = now.publishTime === detail.publishTime;
          }
          unsent = false;
          if (due) {
            try {
              await apps.replace(env, detail.stagedAppId!, publishedOf(detail));
            } catch (error) {
              const err = toQoemError(error);
              if (!err.retryable || replaceTries++ >= (ctx.retries ?? 4)) throw err;
              await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 200 * 2 ** replaceTries));
              break;
            }
          }
          await move("replaced", detail);
          break;
        }
        case "replaced": {
          const check = await call(() => apps.reloadAndCheck(env, detail.appId!, ctx.variables(record)));
          if (!check.ok) {
            await move("rolling-back", { ...detail, reason: check.reason });
            break;
          }
          await tidy(env, apps, detail, "updated");
          await ctx.registry.update(customer, { templateVersions: JSON.stringify({ ...templateVersionsOf(record), [rollout.template]: version.version }) }, fence);
          // The previous app stays until the rollout ends (completed or cancelled), recorded in the same step: remove-kept-apps.ts.
          await move("updated", { ...detail, reason: check.detail }, { keepUntilEnd: true });
          break;
        }
        case "rolling-back": {
          await call(() => apps.restore(env, detail.keptAppId!, publishedOf(detail)));
          // The previous version reloads again, so production serves its data as it did before the rollout.
          const again = await call(() => apps.reloadAndCheck(env, detail.appId!, ctx.variables(record)));
          await tidy(env, apps, detail, "rolled-back");
          await move("rolled-back", { ...detail, reason: `${detail.reason ?? "the check failed"}; rolled back to the previous version${again.ok ? "" : ` (whose reload failed too: ${again.reason})`}` });
          break;
        }
        default:
          return state;
      }
    } catch (error) {
      const err = toQoemError(error);
      if (err.code === "superseded") throw err;
      await moveAfterError(err, state, detail, move, env, apps);
    }
    if (finalStates.includes(state)) return state;
  }
}

/** A call that failed for good: before the replace nothing changed (failed); after it (or maybe after it) production goes back. */
async function moveAfterError(err: QoemError, state: CustomerState, detail: CustomerDetail, move: (to: CustomerState, d: CustomerDetail) => Promise<void>, env: CustomerEnvironment, apps: AppRollout): Promise<void> {
  const reason = `${err.message} (${err.code})`;
  if (state === "pending" || state === "staged") {
    if (detail.stagedAppId && detail.keptAppId) await tidy(env, apps, detail, "rolled-back");
    await move("failed", { ...detail, reason: `${reason}; production was not changed` });
  } else if (state === "replacing" || state === "replaced") await move("rolling-back", { ...detail, reason });
  else await move("failed", { ...detail, reason: `rollback failed: ${reason}; production may hold the new version` });
}

/** What the update no longer needs; a failure here leaves an app behind but never changes the outcome. */
async function tidy(env: CustomerEnvironment, apps: AppRollout, d: CustomerDetail, outcome: "updated" | "rolled-back"): Promise<void> {
  if (!d.stagedAppId || !d.keptAppId) return;
  await withRetries(() => apps.finish(env, { stagedAppId: d.stagedAppId!, keptAppId: d.keptAppId! }, outcome), 2).catch((e: unknown) => {
    if (toQoemError(e).code === "superseded") throw e;
  });
}

/** Retries a retryable failure (Qlik's Retry-After for a 429, a growing pause otherwise); anything else at once. */
export async function withRetries<T>(fn: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const err = toQoemError(error);
      if (!err.retryable || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 200 * 2 ** attempt));
    }
  }
}
