// The ops side of one qoem process: metric sources (its queues and workers), readiness checks, and the ops port where one is asked for.
import type { Queue, QueueEvents, Worker } from "bullmq";
import type { CustomRoute } from "@slack/bolt";
import type { Redis } from "ioredis";
import { createReadinessCheck, type ReadinessSources } from "./check-readiness.ts";
import { collectProcessMetrics, watchQueueDepth } from "./metrics.ts";
import { observeWorker } from "./observe-workers.ts";
import { createOpsHandler, opsRoutes, startOpsServer, type OpsHandler, type OpsServer } from "./serve-ops.ts";

export interface Ops {
  handler: OpsHandler;
  /** For Bolt's HTTP receiver, so Slack's PORT serves the endpoints too. */
  routes: CustomRoute[];
  /** This process's workers: observed for metrics and checked for readiness. */
  watchWorkers(workers: Worker[]): void;
  /** Where this process serves Slack: readiness asks Slack's auth.test. */
  watchSlack(auth: () => Promise<unknown>): void;
  /** Serves the endpoints on `port` (0: any free port); resolves with the port. */
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

export function createOps(options: { redis: Redis; queues: Queue[]; eventStreams: QueueEvents[] }): Ops {
  collectProcessMetrics();
  const workers: Worker[] = [];
  const stops = options.queues.map((queue) =>
    watchQueueDepth({ name: queue.name, getJobCounts: (...types) => queue.getJobCounts(...(types as Parameters<Queue["getJobCounts"]>)), isReady: () => options.redis.status === "ready" }),
  );
  // Read at every probe: Slack joins once its surface exists.
  const sources: ReadinessSources = { redis: options.redis, eventStreams: options.eventStreams, workers: () => workers };
  const handler = createOpsHandler(createReadinessCheck(sources));
  let server: OpsServer | undefined;
  return {
    handler,
    routes: opsRoutes(handler),
    watchWorkers(more) {
      for (const worker of more) {
        workers.push(worker);
        stops.push(observeWorker(worker));
      }
    },
    watchSlack(auth) {
      sources.slackAuth = auth;
    },
    async listen(port) {
      server = await startOpsServer(port, handler);
      return server.port;
    },
    async close() {
      for (const stop of stops.splice(0)) stop();
      await server?.close();
    },
  };
}
