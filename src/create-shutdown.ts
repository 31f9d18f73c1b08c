/**
 * Stopping one qoem process within a time limit, whatever the state of Redis. The steps run in the
 * reverse order of their adding (surfaces first, then workers, which let running jobs finish, then
 * queues and connections). Past the grace period every piece is cut at once (workers force-closed,
 * connections dropped): a running job keeps its place in Redis and, once its lock expires, BullMQ's
 * stalled-job check hands it to another worker, which resumes it from its checkpoint. BullMQ's
 * orderly close waits for an `end` event that ioredis never sends while Redis is away, so without
 * the cut a shutdown during an outage would never end.
 */
import type { Queue, QueueEvents, Worker } from "bullmq";
import type { Logger } from "pino";

export interface Shutdown {
  /**
   * An orderly step, and how to cut the same piece off at once; without `cut`, a step that has not
   * started by then is started when the others are cut (an HTTP server, an emulator: nothing to wait for).
   */
  add(step: () => Promise<void>, cut?: () => unknown): void;
  /** Runs the steps; after `graceMs` cuts everything and waits at most `afterCutMs` more. */
  run(graceMs: number, afterCutMs?: number): Promise<void>;
}

type BullObject = Queue | QueueEvents | Worker;

const cut = new WeakSet<object>();

/** Drops a connection at once (once: queues share one, and each drop adds a listener to its socket). */
export function cutConnection(client: { disconnect(): unknown }): void {
  if (cut.has(client)) return;
  cut.add(client);
  client.disconnect();
}

/** Drops a BullMQ object's connections (its own and its blocking one), without waiting for anything. */
export function cutBullConnections(owner: BullObject): void {
  const backend = owner.getBackend();
  for (const client of [backend.client, backend.blockingClient]) {
    void client?.then(cutConnection).catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function createShutdown(logger: Logger): Shutdown {
  const steps: Array<() => Promise<void>> = [];
  const cuts: Array<() => unknown> = [];
  let running: Promise<void> | undefined;
  return {
    add(step, cut) {
      let started: Promise<void> | undefined;
      const once = () => (started ??= step());
      steps.push(once);
      cuts.push(cut ?? once);
    },
    run(graceMs, afterCutMs = 1000) {
      running ??= (async () => {
        const orderly = (async () => {
          for (const step of steps.reverse()) await step().catch((e: unknown) => logger.warn({ err: (e as Error).message }, "shutdown step failed"));
        })();
        const inTime = await Promise.race([orderly.then(() => true), sleep(graceMs).then(() => false)]);
        if (inTime) return;
        logger.warn({ graceMs }, "shutdown: not done within the grace period; cutting workers and connections (running jobs are left for another worker)");
        for (const cut of cuts.reverse()) {
          // Best effort: the process is going away.
          try {
            void Promise.resolve(cut()).catch(() => undefined);
          } catch {
            // already closed
          }
        }
        await Promise.race([orderly, sleep(afterCutMs)]);
      })();
      return running;
    },
  };
}
