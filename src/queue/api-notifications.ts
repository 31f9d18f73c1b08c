/**
 * What the provisioning API's callers and the people in Slack hear about work the API started:
 * - `callbacks`: when an API-started operation ends, a signed POST to the OEM's callback URL
 *   (HMAC-SHA256 over "<timestamp>.<body>", `Qoem-Signature: t=…,v1=…`), retried with back-off until
 *   the OEM answers 2xx; consumed by worker processes.
 * - `api-events`: the same end as one line for a Slack channel, and approval requests the API asked
 *   for, to post with their buttons; consumed by the chat process.
 */
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import { signCallback } from "../core/sign-callback.ts";

export const CALLBACKS_QUEUE = "callbacks";
export const API_EVENTS_QUEUE = "api-events";

export const operationEndedSchema = z.object({
  event: z.enum(["operation.completed", "operation.failed"]),
  operation: z.object({ id: z.string(), operation: z.string(), customer: z.string(), where: z.string().optional(), state: z.enum(["completed", "failed"]), summary: z.string().optional(), error: z.string().optional() }),
  requestedBy: z.string(),
  at: z.string(),
});
export type OperationEnded = z.infer<typeof operationEndedSchema>;

export const apiEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ended"), ended: operationEndedSchema }),
  z.object({ kind: z.literal("approval"), approvalId: z.string() }),
]);
export type ApiEvent = z.infer<typeof apiEventSchema>;

const CALLBACK_ATTEMPTS = 10;

export class ApiNotifications {
  private readonly callbacks: Queue;
  private readonly events: Queue;

  constructor(connection: Redis, prefix: string, private readonly callbacksOn: boolean) {
    this.callbacks = new Queue(CALLBACKS_QUEUE, { connection, prefix });
    this.events = new Queue(API_EVENTS_QUEUE, { connection, prefix });
  }

  /** An API-started operation ended: tell the OEM (if a callback is configured) and the channel, each once. */
  async ended(ended: OperationEnded): Promise<void> {
    const id = `${ended.operation.id}.${ended.event}.${Date.parse(ended.at)}`;
    if (this.callbacksOn) {
      await this.callbacks.add("callback", ended, { jobId: id, attempts: CALLBACK_ATTEMPTS, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } });
    }
    await this.events.add("ended", { kind: "ended", ended } satisfies ApiEvent, { jobId: `event.${id}`, attempts: 5, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } });
  }

  async approvalRequested(approvalId: string): Promise<void> {
    await this.events.add("approval", { kind: "approval", approvalId } satisfies ApiEvent, { jobId: `approval.${approvalId}`, attempts: 5, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } });
  }

  /** Its queues, for the process's Redis state and shutdown. */
  get queues(): Queue[] {
    return [this.callbacks, this.events];
  }

  async close(): Promise<void> {
    await this.callbacks.close();
    await this.events.close();
  }
}

/** Delivers callbacks: a 2xx answer is delivery; anything else (or no answer in 10 s) is retried with back-off. */
export function startCallbackWorker(options: { connection: Redis; prefix: string; url: string; secret: string; logger: Logger }): Worker {
  const log = options.logger.child({ component: "callbacks" });
  const worker = new Worker(
    CALLBACKS_QUEUE,
    async (job: Job) => {
      const ended = operationEndedSchema.parse(job.data);
      const body = JSON.stringify(ended);
      const res = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", "qoem-signature": signCallback(body, options.secret), "qoem-delivery": job.id! },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status < 200 || res.status >= 300) throw new Error(`the callback URL answered HTTP ${res.status}`);
      log.info({ jobId: job.id, operation: ended.operation.id, attempt: job.attemptsMade + 1 }, "callback delivered");
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 4 },
  );
  worker.on("failed", (job, err) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, "callback not delivered; it is retried"));
  return worker;
}

/** Turns API events into chat messages (Slack, or the local shell). */
export function startApiEventsWorker(options: { connection: Redis; prefix: string; logger: Logger; deliver(event: ApiEvent): Promise<void> }): Worker {
  const worker = new Worker(API_EVENTS_QUEUE, async (job: Job) => options.deliver(apiEventSchema.parse(job.data)), { connection: options.connection, prefix: options.prefix, concurrency: 1 });
  worker.on("failed", (job, err) => options.logger.warn({ jobId: job?.id, err: err.message }, "API event not posted; it is retried"));
  return worker;
}
