/**
 * Keeps each operation's Slack thread current: a worker on the updates queue that reads the
 * operation's newest snapshot and edits the thread's progress message in place (chat.update: one
 * line per step with its icon, outcome and duration), then
 * posts one final summary and marks the parent message done or failed. One throttled writer, so a
 * burst of progress never turns into Slack 429s. A failed Slack call fails the job, which is
 * retried (see publish-update.ts); the summary is marked posted only once Slack took it, so a
 * retry posts it if and only if it is still missing.
 */
import { Job, Worker, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { progressSchema, type OperationProgress, type StepState } from "../../core/operation-progress.ts";
import type { RedisKeys } from "../../core/redis-keys.ts";
import { UPDATES_QUEUE, replyToSchema } from "../../queue/job-payload.ts";
import { renderProgress } from "../render-text.ts";
import { escapeMrkdwn, mrkdwn } from "./mrkdwn.ts";
import { clip, lineSections, message } from "./slack-blocks.ts";

export interface ThreadUpdaterDeps {
  connection: Redis;
  prefix: string;
  keys: RedisKeys;
  operations: Queue;
  client: WebClient;
  logger: Logger;
  /** Slack's chat.update is Tier 3 (about 50 a minute). */
  limiter?: { max: number; duration: number };
}

export const phaseMark: Record<OperationProgress["phase"], string> = {
  queued: "queued",
  running: "running",
  waiting: "waiting",
  retrying: "retrying",
  done: "done ✅",
  failed: "failed ❌",
};

const stepIcon: Record<StepState["state"], string> = { pending: "⚪", running: "⏳", done: "✅", failed: "❌", planned: "➡️" };

/** One step as a line: icon, title, outcome and detail, duration. */
function stepLine(step: StepState): string {
  const took = step.durationMs !== undefined && step.state !== "planned" ? ` · ${(step.durationMs / 1000).toFixed(1)} s${step.resumed ? " (earlier attempt)" : ""}` : "";
  return `${stepIcon[step.state]} ` + mrkdwn`*${step.title}*${step.outcome ? ` ${step.outcome}` : ""}${step.detail ? `: ${clip(step.detail, 300)}` : ""}` + took;
}

/** A host name fit for a link qoem makes (nothing but a DNS name and a port). */
const linkable = (host?: string) => (host && /^[a-z0-9.-]+(:\d+)?$/i.test(host) ? host : undefined);

/**
 * The thread's messages for one snapshot: the progress message (one line per step), the final
 * summary (with an "Open tenant" button once there is a tenant to open) and the parent's new text.
 * Each keeps its plain text as the fallback.
 */
export function threadMessages(p: OperationProgress) {
  const text = renderProgress(p);
  const head = mrkdwn`*${`${p.operation} ${p.customer} → ${p.where}`}*: ${phaseMark[p.phase]}`;
  const tail = [p.note, p.summary].filter((l): l is string => Boolean(l)).map((l) => mrkdwn`${l}`);
  const finalText = p.phase === "done" ? mrkdwn`✅ ${p.summary ?? "done"}` : mrkdwn`❌ ${p.note ?? "failed"}`;
  const host = p.phase === "done" ? linkable(p.host) : undefined;
  return {
    progress: message(escapeMrkdwn(text), [{ type: "section", text: { type: "mrkdwn", text: head } }, ...lineSections([...p.steps.map(stepLine), ...tail], 20)]),
    final: message(finalText, [
      { type: "section", text: { type: "mrkdwn", text: clip(finalText, 2900) } },
      ...(host ? [{ type: "actions" as const, block_id: "open-tenant", elements: [{ type: "button" as const, action_id: "qoem_open_tenant", text: { type: "plain_text" as const, text: "Open tenant" }, url: `https://${host}`, style: "primary" as const }] }] : []),
    ]),
    parent: head,
  };
}

export function startThreadUpdater(deps: ThreadUpdaterDeps): Worker {
  const worker = new Worker(
    UPDATES_QUEUE,
    async (job) => {
      const id = String((job.data as { operationJobId?: unknown }).operationJobId ?? "");
      const op = id ? await Job.fromId(deps.operations, id) : undefined;
      if (!op) return;
      const replyTo = replyToSchema.safeParse((op.data as { replyTo?: unknown }).replyTo);
      const progress = progressSchema.safeParse(op.progress);
      if (!replyTo.success || !progress.success) return;
      const p = progress.data;
      const { channel, threadTs, progressTs } = replyTo.data;
      const messages = threadMessages(p);
      await deps.client.chat.update({ channel, ts: progressTs, ...messages.progress });
      if (p.phase !== "done" && p.phase !== "failed") return;
      const posted = deps.keys.threadFinal(`${id}.${p.phase}.${op.processedOn ?? 0}`);
      if (!(await deps.connection.exists(posted))) {
        await deps.client.chat.postMessage({ channel, thread_ts: threadTs, ...messages.final });
        await deps.connection.set(posted, "1", "EX", 30 * 86_400);
      }
      await deps.client.chat.update({ channel, ts: threadTs, text: messages.parent });
      deps.logger.info({ jobId: id, customer: p.customer, phase: p.phase }, "thread finished");
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1, limiter: deps.limiter ?? { max: 50, duration: 60_000 } },
  );
  worker.on("failed", (job, error) => {
    const id = String((job?.data as { operationJobId?: unknown } | undefined)?.operationJobId ?? "");
    const willRetry = (job?.attemptsMade ?? 0) < (job?.opts.attempts ?? 1);
    void (id ? Job.fromId(deps.operations, id).catch(() => undefined) : Promise.resolve(undefined)).then((op) => {
      const p = progressSchema.safeParse(op?.progress);
      deps.logger.warn({ jobId: id || job?.id, customer: p.success ? p.data.customer : undefined, attempt: job?.attemptsMade, willRetry, err: error.message }, "thread update failed");
    });
  });
  return worker;
}
