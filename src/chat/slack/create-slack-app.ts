/**
 * The Slack surface on Bolt: `/qoem` over the HTTP receiver at /slack/events (every request's
 * signature and age verified, a replayed one dropped: verify-slack-request.ts) or over Socket Mode.
 * It acks before anything that can wait (Redis, Slack's Web API), then answers through `respond`
 * or enqueues; progress comes back through the thread updater.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import type { WebClient } from "@slack/web-api";
import { parseCommand } from "../../commands/parse-command.ts";
import type { FleetTrend } from "../../core/fleet-trend.ts";
import type { OnboardingChoices } from "../../core/read-onboarding-choices.ts";
import type { DispatchDeps } from "../dispatch-command.ts";
import { createBoltLogger } from "./bolt-logger.ts";
import { createAfterAckScheduler } from "./schedule-after-ack.ts";
import { guardSlackRequests, type ReplayGuardOptions } from "./verify-slack-request.ts";
import type { FollowOptions, FollowResult } from "../../queue/follow-job.ts";
import { registerApprovalActions } from "./approval-actions.ts";
import type { QueueEvents } from "bullmq";
import { fleetHealthView, type FleetHealthView } from "../render-fleet-health.ts";
import { observedSlackFetch } from "./observe-slack-calls.ts";
import { commandErrorText, onboardAckText } from "./command-answers.ts";
import { answerInSlack } from "./answer-in-slack.ts";
import { startOnboard, onboardTitleOf } from "./start-onboard.ts";
import { openOnboardForm, registerOnboardForm } from "./register-onboard-form.ts";
import { registerFleetActions } from "./register-fleet-actions.ts";
import { registerCommandButtons } from "./register-command-buttons.ts";
import { publishHome } from "./publish-home.ts";
import { mrkdwn } from "./mrkdwn.ts";

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
  /** How many customers each place had, hour by hour (App Home's trend). */
  trend?: FleetTrend;
  /** Reads what the onboarding form offers (templates, licensed features) through the adapters. */
  onboardingChoices?: () => Promise<OnboardingChoices>;
  /** More routes on the HTTP receiver's port (the ops endpoints); unused in Socket Mode. */
  customRoutes?: CustomRoute[];
  /** The provisioning API, served beside /slack/events on the same port (answers `/api/...`). */
  api?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

// Commands worked on at once after their acks, while no ack is owed (one at a time while one is).
const AFTER_ACK_CONCURRENCY = 8;

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
  const home = { dispatch: options.dispatch, fleetHealth: options.fleetHealth ?? (async () => fleetHealthView([])), ...(options.trend ? { trend: options.trend } : {}) };
  const refreshHome = (client: WebClient, user: string) => publishHome(client, user, home);
  registerApprovalActions(app, options.dispatch, options.logger, refreshHome);
  const form = { dispatch: options.dispatch, afterAck, logger: options.logger, ...(options.onboardingChoices ? { choices: options.onboardingChoices } : {}) };
  registerOnboardForm(app, form);
  registerFleetActions(app, options.dispatch, options.logger, afterAck);
  registerCommandButtons(app, { options, afterAck, log });

  app.command("/qoem", async ({ command, ack, client, respond }) => {
    const request = { text: command.text ?? "", user: command.user_id, surface: "slack" as const };
    // `/qoem onboard` alone opens the form: acked first, then the form opens while the trigger is fresh.
    if (/^\s*onboard\s*$/i.test(request.text)) {
      await ack();
      await openOnboardForm(client, command.trigger_id, form, command.channel_id).catch((e: unknown) => {
        log.warn({ err: (e as Error).message, user: command.user_id }, "onboarding form not opened");
        return respond({ response_type: "ephemeral", text: mrkdwn`The onboarding form could not be opened (${(e as Error).message}); type /qoem onboard ${"<customer> <region-or-site>"} instead.` }).catch(() => undefined);
      });
      return;
    }
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
      await answerInSlack(c, request, { options, afterAck, client, respond, channel: command.channel_id, log });
      return;
    }
    await ack({ response_type: "ephemeral", text: onboardAckText(onboardTitleOf(c)) });
    await startOnboard({ command: c, request, channel: command.channel_id, client, dispatch: options.dispatch, afterAck, logger: log, tell: (text) => respond({ response_type: "ephemeral", text }) });
  });

  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab && event.tab !== "home") return;
    await afterAck.run(() => refreshHome(client, event.user)).catch((e: unknown) => log.warn({ err: (e as Error).message, user: event.user }, "App Home not published"));
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
