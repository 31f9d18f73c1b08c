/**
 * Readiness of this process: Redis answers on every connection it holds (the main one, each queue
 * event stream's, each worker's), its workers run, and Slack accepts its token where this process
 * serves Slack. Cheap enough for every probe: Redis is asked only when the connection is up (a PING,
 * 1 s at most), and a good Slack answer is kept for 30 s.
 */
import type { QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessSources {
  redis: Redis;
  /** The queue event streams the surfaces follow jobs on (each has connections of its own). */
  eventStreams?: QueueEvents[];
  /** This process's workers (none in a chat-only or scheduler-only process). */
  workers(): Worker[];
  /** Slack's auth.test through the surface's client; throws when Slack refuses the token. Absent without Slack. */
  slackAuth?(): Promise<unknown>;
}

const SLACK_GOOD_FOR_MS = 30_000;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** True when every Redis connection a BullMQ object holds (its client, and its blocking client if any) is up. */
async function connected(owner: QueueEvents | Worker): Promise<boolean> {
  const backend = owner.getBackend();
  const clients = [backend.client, ...(backend.blockingClient ? [backend.blockingClient] : [])];
  try {
    const statuses = await within(Promise.all(clients.map(async (c) => (await c).status)), 1000, "connection");
    return statuses.every((s) => s === "ready");
  } catch {
    return false;
  }
}

async function checkRedis(redis: Redis, eventStreams: QueueEvents[]): Promise<CheckResult> {
  // Commands sent while the connection is down wait in ioredis's queue: ask only when it is up.
  if (redis.status !== "ready") return { ok: false, detail: `connection ${redis.status}` };
  const down = (await Promise.all(eventStreams.map(connected))).filter((up) => !up).length;
  if (down > 0) return { ok: false, detail: `${down} of ${eventStreams.length} queue event streams not connected` };
  try {
    await within(redis.ping(), 1000, "PING");
    return { ok: true, detail: "PING answered" };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

async function checkWorkers(workers: Worker[]): Promise<CheckResult> {
  const up = await Promise.all(workers.map(async (w) => w.isRunning() && !w.closing && (await connected(w))));
  const running = up.filter(Boolean).length;
  return { ok: running === workers.length, detail: `${running} of ${workers.length} running and connected` };
}

export function createReadinessCheck(sources: ReadinessSources): () => Promise<Readiness> {
  let slackGoodUntil = 0;
  const checkSlack = async (auth: () => Promise<unknown>): Promise<CheckResult> => {
    if (Date.now() < slackGoodUntil) return { ok: true, detail: "authenticated" };
    try {
      await within(auth(), 5000, "auth.test");
      slackGoodUntil = Date.now() + SLACK_GOOD_FOR_MS;
      return { ok: true, detail: "authenticated" };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  };
  return async () => {
    const workers = sources.workers();
    const [redis, workersUp, slack] = await Promise.all([
      checkRedis(sources.redis, sources.eventStreams ?? []),
      workers.length > 0 ? checkWorkers(workers) : undefined,
      sources.slackAuth ? checkSlack(sources.slackAuth) : undefined,
    ]);
    const checks: Record<string, CheckResult> = { redis };
    if (workersUp) checks.workers = workersUp;
    if (slack) checks.slack = slack;
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}
