/**
 * The Slack surface on Bolt: `/qoem` over the HTTP receiver at /slack/events (every request's
 * signature and age verified, a replayed one dropped: verify-slack-request.ts) or over Socket Mode.
 * It acks before anything that can wait (Redis, Slack's Web API), then answers through `respond`
 * or enqueues; progress comes back through the thread updater.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import { parseCommand } from "../../commands/parse-command.ts";
import { whereOf } from "../../core/customer-registry.ts";
import { dispatchParsed, type DispatchDeps } from "../dispatch-command.ts";
import { createBoltLogger } from "./bolt-logger.ts";
import { createAfterAckScheduler } from "./schedule-after-ack.ts";
import { guardSlackRequests, type ReplayGuardOptions } from "./verify-slack-request.ts";
import { renderResult, renderStillRunning } from "../render-text.ts";
import type { FollowOptions, FollowResult } from "../../queue/follow-job.ts";
import { postApprovalRequest, registerApprovalActions, showDecision } from "./approval-actions.ts";
import type { QueueEvents } from "bullmq";
import type { FleetHealthView } from "../render-fleet-health.ts";
import { postFleetHealth } from "./post-fleet-health.ts";
import { homeBlocks } from "./home-view.ts";
import type { ReplyTo } from "../../queue/job-payload.ts";
import { observedSlackFetch } from "./observe-slack-calls.ts";
import { RedisUnavailable } from "../../queue/track-redis-state.ts";
import { answerBlock, answerLine, approvalNotPostedText, commandErrorBlock, commandErrorText, notAnsweredText, onboardAckText, onboardNotStartedText, onboardParentText, onboardTitle } from "./command-answers.ts";

export interface SlackSurfaceOptions {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl?: string;
  port: number;
  logger: Logger;
  dispatch: DispatchDeps;
  /** Where approval requests are posted; without one, in the channel where the offboard was asked. */
  approvalsChannel?: string;
  /** Progress of health sweeps, for the `health all` message that updates in place. */
  sweepEvents?: QueueEvents;
  /** The fleet's latest health, for `health all` and App Home. */
  fleetHealth?: () => Promise<FleetHealthView>;
  /** Where accepted request signatures are remembered (Redis), so a replayed request is dropped (HTTP mode). */
  replay: Omit<ReplayGuardOptions, "signingSecret">;
  /** Follows a queued job to its end (QueueEvents), for answers that come after the ack. */
  follow(jobId: string, options?: FollowOptions): Promise<FollowResult>;
  /** More routes on the HTTP receiver's port (the ops endpoints); unused in Socket Mode. */
  customRoutes?: CustomRoute[];
  /** The provisioning API, served beside /slack/events on the same port (answers `/api/...`). */
  api?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

// Commands worked on at once after their acks, while no ack is owed (one at a time while one is).
const AFTER_ACK_CONCURRENCY = 8;

// A slash command's response_url takes answers for 30 minutes: stop following a little before.
const RESPONSE_URL_FOLLOW_MS = 25 * 60_000;

export interface SlackSurface {
  app: InstanceType<typeof App>;
  start(): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

/**
 * Bolt's HTTP receiver, with replay protection and both-way timestamp checks in front of its own
 * signature check; every request to /slack/events counts as an ack owed until it is answered.
 */
function createGuardedReceiver(signingSecret: string, logger: BoltLogger, replay: Omit<ReplayGuardOptions, "signingSecret">, owe: () => () => void, customRoutes: CustomRoute[] = [], api?: SlackSurfaceOptions["api"]): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret, logger, customRoutes });
  const guarded = guardSlackRequests(receiver.requestListener, { ...replay, signingSecret });
  const path = replay.path ?? "/slack/events";
  const slack: typeof guarded = (req, res) => {
    if (req.method === "POST" && (req.url ?? "").split("?")[0] === path) {
      const paid = owe();
      res.once("finish", paid);
      res.once("close", paid);
    }
    guarded(req, res);
  };
  receiver.requestListener = api
    ? (req, res) => {
        void api(req, res).then((handled) => {
          if (!handled) slack(req, res);
        });
      }
    : slack;
  return receiver;
}

export function createSlackApp(options: SlackSurfaceOptions): SlackSurface {
  const apiUrl = options.apiUrl ? `${options.apiUrl.replace(/\/+$/, "")}/` : undefined;
  const logger = createBoltLogger(options.logger);
  const afterAck = createAfterAckScheduler(AFTER_ACK_CONCURRENCY);
  const app = new App({
    token: options.botToken,
    logger,
    // Every Web API client Bolt makes (listeners get their own) counts its failed calls.
    clientOptions: { fetch: observedSlackFetch(), ...(apiUrl ? { slackApiUrl: apiUrl } : {}) },
    // Socket Mode opens its connection through apps.connections.open, with its own Web API client.
    ...(options.appToken
      ? { appToken: options.appToken, socketMode: true, signingSecret: options.signingSecret, ...(apiUrl ? { installerOptions: { clientOptions: { slackApiUrl: apiUrl } } } : {}) }
      : { receiver: createGuardedReceiver(options.signingSecret, logger, options.replay, () => afterAck.owe(), options.customRoutes, options.api) }),
  });
  const log = options.logger.child({ surface: "slack" });
  registerApprovalActions(app, options.dispatch, options.logger);

  app.command("/qoem", async ({ command, ack, client, respond }) => {
    const request = { text: command.text ?? "", user: command.user_id, surface: "slack" as const };
    const parsed = parseCommand(request.text, options.dispatch.parseContext);
    if (!parsed.ok) {
      await ack({ response_type: "ephemeral", text: commandErrorText(parsed.error) });
      return;
    }
    const c = parsed.command;
    // Acks first: the ack carries only what is known without I/O; role lookups, Redis reads, audit
    // writes, enqueues and Slack calls all come after it, and the answer follows through `respond`.
    if (c.name !== "onboard") {
      await ack();
      const answer = await afterAck.run(async () => {
        try {
          const answer = await dispatchParsed(c, request, options.dispatch);
          if (answer.kind !== "fleet") await respond({ response_type: "ephemeral", text: answer.kind === "error" ? commandErrorBlock(answer.error) : answerBlock(answer.text) }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "answer not delivered"));
          return answer;
        } catch (error) {
          log.error({ err: (error as Error).message, command: c.name }, "could not answer");
          // Redis away: say so plainly (dispatch is bounded, so this comes within seconds).
          await respond({ response_type: "ephemeral", text: error instanceof RedisUnavailable ? error.message : notAnsweredText((error as Error).message) }).catch(() => undefined);
          return undefined;
        }
      });
      if (!answer) return;
      if (answer.kind === "fleet") {
        await postFleetHealth(client, command.channel_id, answer.text, answer.jobIds, { ...options, jobState: options.dispatch.fleet.jobState }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "health all message failed"));
        return;
      }
      try {
        if (answer.kind === "approval" && answer.created) {
          await postApprovalRequest(client, options.dispatch, answer.approval, { ...(options.approvalsChannel ? { approvalsChannel: options.approvalsChannel } : {}), requesterChannel: command.channel_id });
        }
        if (answer.kind === "decision") await showDecision(client, options.dispatch, answer);
      } catch (error) {
        log.error({ err: (error as Error).message }, "could not post the approval message");
        await respond({ response_type: "ephemeral", text: approvalNotPostedText((error as Error).message) }).catch(() => undefined);
      }
      if (answer.kind !== "operation") return;
      const outcome = await options.follow(answer.jobId, { timeoutMs: RESPONSE_URL_FOLLOW_MS });
      const result =
        outcome.state === "timeout"
          ? renderStillRunning(answer.jobId, outcome.progress)
          : outcome.state === "failed"
          ? (outcome.progress?.note ?? `failed: ${outcome.error ?? "unknown error"}`)
          : (renderResult(answer.command.name, outcome.result) ?? outcome.progress?.summary ?? "done");
      const visible = answer.command.name === "reactivate";
      await respond({ response_type: visible ? "in_channel" : "ephemeral", text: answerBlock(result, visible ? command.user_id : undefined) });
      return;
    }
    const title = onboardTitle(c.dryRun, c.customer, whereOf(c.target));
    await ack({ response_type: "ephemeral", text: onboardAckText(title) });
    try {
      // A refusal (role, lifecycle) comes back here as an error answer, recorded in the audit log by dispatch.
      const answer = await afterAck.run(() =>
        dispatchParsed(c, request, options.dispatch, {
          beforeAdd: async (): Promise<ReplyTo> => {
            const parent = await client.chat.postMessage({ channel: command.channel_id, text: onboardParentText(title, command.user_id) });
            const progress = await client.chat.postMessage({ channel: command.channel_id, thread_ts: parent.ts!, text: "queued" });
            return { surface: "slack", channel: parent.channel ?? command.channel_id, threadTs: parent.ts!, progressTs: progress.ts! };
          },
        }),
      );
      if (answer.kind === "error") await respond({ response_type: "ephemeral", text: commandErrorText(answer.error) });
      else if (answer.kind === "operation" && answer.disposition !== "queued") await respond({ response_type: "ephemeral", text: answerLine(answer.text) });
      log.info({ user: command.user_id, customer: c.customer, answer: answer.kind === "operation" ? answer.disposition : answer.kind }, "slash command handled");
    } catch (error) {
      log.error({ err: (error as Error).message, customer: c.customer }, "could not enqueue");
      await respond({ response_type: "ephemeral", text: onboardNotStartedText(title, String((error as Error).message)) }).catch(() => undefined);
    }
  });

  app.event("app_home_opened", async ({ event, client }) => {
    if (!options.fleetHealth) return;
    const view = await options.fleetHealth();
    await client.views.publish({ user_id: event.user, view: { type: "home", blocks: homeBlocks(view) } });
  });

  return {
    app,
    async start() {
      if (options.appToken) {
        await app.start();
        return {};
      }
      const server = (await app.start(options.port)) as { address?: () => unknown } | undefined;
      const address = server?.address?.() as { port?: number } | null | undefined;
      return { ...(address?.port ? { port: address.port } : {}) };
    },
    stop: () => app.stop() as Promise<void>,
  };
}
