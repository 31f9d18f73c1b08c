/**
 * A rollout's last phase: once it ended (completed or cancelled), the previous app each updated
 * customer kept is removed. Which customers still have one is in Redis (rollout-store.ts: added in
 * the same step as the customer's `updated`), and each leaves that set only once its app is gone or
 * could not be removed (then with why, for `rollout status`), so a worker killed here resumes with
 * the ones left. A removal that fails never changes how the customer's update ended.
 */
import { inParallel } from "./in-parallel.ts";
import type { DeploymentAdapter, Target } from "../../adapters/port.ts";
import { toQoemError } from "../../adapters/port.ts";
import { rolloutOf } from "./plan-rollout.ts";
import type { CustomerLock } from "./customer-lock.ts";
import { targetOf, type CustomerRegistry } from "./customer-registry.ts";
import { environmentOf } from "./customer-environment.ts";
import { currentFence, type Fence } from "./execution-fence.ts";
import type { RolloutStore } from "./rollout-store.ts";
import { withRetries } from "./update-customer-app.ts";

export interface KeptAppsContext {
  store: RolloutStore;
  registry: CustomerRegistry;
  lock: CustomerLock;
  adapterFor(target: Target): DeploymentAdapter;
  jobFence: Fence;
  /** Who holds each customer's lock (the job and its execution). */
  execution: string;
  /** Customers worked on at once. */
  concurrency: number;
  /** How long a customer another operation holds is waited for, in all (default 60 s). */
  busyWaitMs?: number;
}

/** Removes every kept app still to remove; returns how many were removed and how many were left (with why in the store). */
export async function removeKeptApps(ctx: KeptAppsContext, rolloutId: string): Promise<{ removed: number; left: number }> {
  let todo = await ctx.store.keptApps(rolloutId);
  const counts = { removed: 0, left: 0 };
  const since = Date.now();
  while (todo.length) {
    const busy: string[] = [];
    await inParallel(todo, ctx.concurrency, async (customer) => {
      const outcome = await removeOne(ctx, rolloutId, customer);
      if (outcome === "busy") busy.push(customer);
      else counts[outcome]++;
    });
    todo = busy;
    if (todo.length && Date.now() - since >= (ctx.busyWaitMs ?? 60_000)) {
      for (const customer of todo) await ctx.store.keptDone(rolloutId, customer, "another operation held the customer; its previous app was left", ctx.jobFence);
      counts.left += todo.length;
      todo = [];
    }
    if (todo.length) await new Promise((r) => setTimeout(r, 1000));
  }
  return counts;
}

async function removeOne(ctx: KeptAppsContext, rolloutId: string, customer: string): Promise<"removed" | "left" | "busy"> {
  const held = await ctx.lock.acquire(customer, ctx.execution);
  if (!held) return "busy";
  const fence: Fence = { checks: [...ctx.jobFence.checks, { key: held.key, value: held.value }], signal: held.signal };
  try {
    return await currentFence.run(fence, async () => {
      const { keptAppId } = await ctx.store.detail(rolloutId, customer);
      const record = await ctx.registry.get(customer);
      let left: string | undefined;
      if (!keptAppId) left = "no kept app was recorded";
      else if (!record || record.status !== "active") left = `${customer} is ${record?.status ?? "gone"}; its previous app (${keptAppId}) was left`;
      else {
        try {
          const apps = rolloutOf(ctx.adapterFor(targetOf(record)), customer);
          await withRetries(() => apps.removeKept(environmentOf(record), keptAppId), 4);
        } catch (error) {
          const err = toQoemError(error);
          if (err.code === "superseded") throw err;
          left = `its previous app (${keptAppId}) could not be removed: ${err.message}`;
        }
      }
      await ctx.store.keptDone(rolloutId, customer, left, fence);
      return left ? "left" : "removed";
    });
  } finally {
    await held.release().catch(() => undefined);
  }
}
