/**
 * Composition root: from a validated config, start the roles asked for (chat, worker, scheduler)
 * on one Redis, with the adapters pointed at Qlik or at the emulators. Returns a handle that shuts
 * everything down in order (surfaces first, then workers, which let running jobs finish).
 */
import { Queue, QueueEvents, type Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Readable, Writable } from "node:stream";
import type { Config } from "./config.ts";
import { createHumanLogger, createLogger } from "./create-logger.ts";
import { RedisKeys } from "./core/redis-keys.ts";
import { CustomerRegistry } from "./core/customer-registry.ts";
import { CustomerLock } from "./core/customer-lock.ts";
import { Approvals } from "./core/approvals.ts";
import { CustomerMoves } from "./core/customer-moves.ts";
import { AuditLog } from "./core/audit-log.ts";
import { AccessPolicy } from "./core/roles.ts";
import { OPERATIONS_QUEUE, UPDATES_QUEUE } from "./queue/job-payload.ts";
import { startOperationWorker } from "./queue/operation-worker.ts";
import type { DispatchDeps } from "./chat/dispatch-command.ts";
import { createSlackApp } from "./chat/slack/create-slack-app.ts";
import { startThreadUpdater } from "./chat/slack/thread-updater.ts";
import { HealthHistory } from "./core/health-history.ts";
import { FleetTrend } from "./core/fleet-trend.ts";
import { readOnboardingChoices } from "./core/read-onboarding-choices.ts";
import { TenantIndex } from "./core/tenant-index.ts";
import type { SweepScope } from "./core/run-sweep.ts";
import { ALERTS_QUEUE, SWEEPS_QUEUE, startSweepWorker, triggerSweeps, upsertSweepSchedulers } from "./queue/sweeps.ts";
import { startAlertsNotifier } from "./chat/alerts-notifier.ts";
import { createAlertPoster } from "./chat/slack/post-alert.ts";
import { summarizeFleetHealth } from "./chat/render-fleet-health.ts";
import { describePlaces } from "./core/count-shared-places.ts";
import { cloudRegionCodes } from "../adapters/qlik-cloud/regions.ts";
import { createGroupResolver } from "./chat/slack/usergroup-members.ts";
import { startApprovalExpiry } from "./core/expire-approvals.ts";
import { OnboardCheckpoints } from "./core/onboard-checkpoint.ts";
import { placementTable } from "./create-placement-table.ts";
import { ApiNotifications, startApiEventsWorker, startCallbackWorker } from "./queue/api-notifications.ts";
import { createApiHandler } from "./chat/http-api/create-api-handler.ts";
import { serveApi } from "./chat/http-api/serve-api.ts";
import { createApiEventPoster } from "./chat/slack/post-api-event.ts";
import { approvalDecidedMessage } from "./chat/slack/approval-blocks.ts";
import { runShell } from "./chat/shell/shell-surface.ts";
import { followJob } from "./queue/follow-job.ts";
import { createAdapters, emulatedSite, gateLimits, siteGateLimits, type Adapters } from "./create-adapters.ts";
import { startSiteEmulator, type SiteEmulator } from "../adapters/client-managed/emulator/site-emulator.ts";
import type { SiteAccess } from "../adapters/client-managed/site-adapter.ts";
import { RedisRateGate, type TierLimits } from "./core/redis-rate-gate.ts";
import { RedisMutex } from "./core/redis-mutex.ts";
import { startCloudEmulator, type CloudEmulator, type CloudEmulatorOptions } from "../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { emulatorDefaults } from "../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { createOps } from "./ops/create-ops.ts";
import { recordQlikCall, recordRateGateWait } from "./ops/metrics.ts";
import { cloudHostKind, tierLabel } from "../adapters/qlik-cloud/qlik-call.ts";
import { RedisState } from "./queue/track-redis-state.ts";
import { createShutdown, cutBullConnections, cutConnection } from "./create-shutdown.ts";
import { checkPortsFree, portInUseMessage, type WantedPort } from "./check-ports-free.ts";
import { checkSlackAuth } from "./chat/slack/check-slack-auth.ts";
import { RolloutStore } from "./core/rollout-store.ts";
import { alertRolloutPaused } from "./queue/alert-rollout-paused.ts";

export interface StartOptions {
  logger?: Logger;
  /** Run the local shell on these streams (local mode). */
  shell?: { input: Readable; output: Writable; user?: string; followTimeoutMs?: number };
  /** Overrides for tests: worker concurrency, lock retry. */
  worker?: { concurrency?: number; lockRetryMs?: number; limiter?: { max: number; duration: number }; lockDurationMs?: number; stalledIntervalMs?: number };
  /** User-group membership (tests; Slack mode otherwise asks Slack). */
  groupsOf?: (user: string) => Promise<string[]>;
  /** Overrides the rate gate's limits (benchmarks that scale Qlik's limits). */
  rateLimits?: TierLimits;
  /** How often pending approvals are checked for expiry (default every minute; tests shorten it). */
  approvalExpiryEveryMs?: number;
  /** Options for the embedded Qlik Cloud emulator (benchmarks: scaled rate limits). */
  cloudEmulator?: CloudEmulatorOptions;
  /** Customers one rollout updates at once (benchmarks; the config's rollout.concurrency otherwise). */
  rolloutConcurrency?: number;
  /** How long close() lets running jobs finish before it cuts workers and connections (default 6 s; 1 s while Redis is away). */
  shutdownGraceMs?: number;
}

export interface QoemHandle {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: RedisKeys;
  registry: CustomerRegistry;
  operations: Queue;
  updates: Queue;
  events: QueueEvents;
  dispatch: DispatchDeps;
  adapters: Adapters;
  sweeps: Queue;
  sweepEvents: QueueEvents;
  history: HealthHistory;
  scopes: SweepScope[];
  cloudEmulator?: CloudEmulator;
  siteEmulator?: SiteEmulator;
  slackPort?: number;
  /** The provisioning API's own port (outside HTTP Slack mode). */
  apiPort?: number;
  /** Where /healthz, /readyz and /metrics answer (QOEM_OPS_PORT), when asked for. */
  opsPort?: number;
  /** Resolves when the shell (if any) ends. */
  shellDone?: Promise<void>;
  /** Whether Redis answers, as every connection of this process sees it (logged once per change). */
  redisState: RedisState;
  /** Stops everything within the grace period plus a second, whatever the state of Redis. */
  close(): Promise<void>;
}

export async function startQoem(config: Config, options: StartOptions = {}): Promise<QoemHandle> {
  // Quiet and human only where a person types into the shell (the chat role without Slack); a worker or
  // scheduler process logs at info in JSON for its log shipper, whatever mode it was started in.
  const runsShell = Boolean(options.shell) && config.roles.includes("chat") && !config.slack;
  const level = config.logLevel ?? (runsShell ? "warn" : "info");
  const logger = options.logger ?? (runsShell && process.stderr.isTTY ? createHumanLogger(level) : createLogger(level));
  const shutdown = createShutdown(logger);
  const closers = { push: (step: () => Promise<void>) => shutdown.add(step) };
  const redisState = new RedisState(logger, redisAddress(config.redisUrl));
  const graceMs = options.shutdownGraceMs ?? 6000;
  const close = async () => {
    redisState.stop();
    await shutdown.run(redisState.available ? graceMs : Math.min(graceMs, 1000));
  };
  try {
    // Start-up checks, each failing in one line: the ports, then Redis, then Slack (below).
    await checkPortsFree(wantedPorts(config));
    let cloudEmulator: CloudEmulator | undefined;
    if (config.emulators.embedded) {
      // The config's shared tenants exist in the embedded emulator beside its own `shared`.
      const defaults = emulatorDefaults();
      const sharedHosts = [...(defaults.sharedTenants ?? []), ...Object.values(config.sharedTenants).map((t) => ({ hostname: t.hostname, region: t.region }))];
      cloudEmulator = await startCloudEmulator({ ...defaults, sharedTenants: sharedHosts, ...options.cloudEmulator });
      closers.push(() => cloudEmulator!.close());
      logger.info({ url: cloudEmulator.url }, "embedded Qlik Cloud emulator started (with the shared tenant 'shared')");
    }
    let siteEmulator: SiteEmulator | undefined;
    if (config.emulators.embedded) {
      siteEmulator = await startSiteEmulator();
      closers.push(() => siteEmulator!.close());
      logger.info({ url: siteEmulator.url }, "embedded client-managed site emulator started (site 'local')");
    }
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    let lastRedisError: Error | undefined;
    const firstErrors = (e: Error) => void (lastRedisError = e);
    redis.on("error", firstErrors);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      const why = lastRedisError?.message ?? (error as Error).message;
      throw new Error(`cannot reach Redis at ${config.redisUrl.replace(/\/\/[^@]*@/, "//***@")} (${why}); start one (see the README) or set REDIS_URL`);
    }
    redis.off("error", firstErrors);
    redisState.watchConnection(redis);
    if (config.roles.includes("chat") && config.slack) {
      const slackUser = await checkSlackAuth({ botToken: config.slack.botToken, ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}) });
      logger.info(slackUser, "Slack accepted the bot token");
    }
    shutdown.add(
      async () => void (await redis.quit()),
      () => cutConnection(redis),
    );
    // The rate gate's two scripts per Qlik call and the customer locks' renewals: thousands at once when a rollout's wave
    // starts, so on a connection of their own that pipelines them (the commands of one tick go out in one write, not one each).
    const hotRedis = redis.duplicate({ enableAutoPipelining: true, lazyConnect: true });
    await hotRedis.connect();
    redisState.watchConnection(hotRedis);
    shutdown.add(
      async () => void (await hotRedis.quit()),
      () => cutConnection(hotRedis),
    );
    const keys = new RedisKeys(config.prefix);
    const prefix = keys.tag;
    const registry = new CustomerRegistry(redis, keys);
    const lock = new CustomerLock(hotRedis, keys);
    const checkpoints = new OnboardCheckpoints(redis, keys);
    // Every BullMQ object reports its errors to the one Redis state (else BullMQ prints them itself).
    const queue = (name: string) => watched(new Queue(name, { connection: redis, prefix }));
    const watched = <T extends Queue | QueueEvents>(owner: T): T => {
      redisState.watch(owner);
      shutdown.add(() => owner.close(), () => cutBullConnections(owner));
      return owner;
    };
    // QueueEvents opens a connection of its own (a copy of this one) for its blocking reads.
    const eventStream = (name: string) => watched(new QueueEvents(name, { connection: redis, prefix }));
    const operations = queue(OPERATIONS_QUEUE);
    const updates = queue(UPDATES_QUEUE);
    const events = eventStream(OPERATIONS_QUEUE);
    // Every surface follows its own jobs on this one stream: many listeners are expected.
    events.setMaxListeners(0);

    const emulatorUrl = cloudEmulator?.url ?? config.emulators.url;
    const extraSites: Record<string, SiteAccess> = siteEmulator ? { local: emulatedSite(siteEmulator.qrsUrl, siteEmulator.engineUrl) } : {};
    const gateWaits = (w: { host: string; tier: "tier1" | "tier2" | "special"; seconds: number }) => recordRateGateWait({ hostKind: cloudHostKind(w.host), tier: tierLabel(w.tier), seconds: w.seconds });
    const cloudGate = new RedisRateGate(hotRedis, keys, options.rateLimits ?? gateLimits(config), gateWaits);
    const siteGates = new Map<string, RedisRateGate>();
    const siteWaits = (w: { seconds: number }) => recordRateGateWait({ hostKind: "qrs", tier: "none", seconds: w.seconds });
    const siteGate = (site: string) => {
      let gate = siteGates.get(site);
      if (!gate) siteGates.set(site, (gate = new RedisRateGate(hotRedis, keys, siteGateLimits(config, site), siteWaits)));
      return gate;
    };
    const adapters = createAdapters(config, emulatorUrl, cloudGate, new RedisMutex(redis, keys), extraSites, siteGate, recordQlikCall);
    closers.push(() => adapters.close());

    const approvals = new Approvals(redis, keys, config.approvalExpiryMs);
    const audit = new AuditLog(redis, keys, config.auditMaxLength);
    // Slack user-group membership is asked of Slack once its client exists (below).
    const slackGroups: { resolve?: (user: string) => Promise<string[]> } = {};
    const access = new AccessPolicy(config.access, config.mode, options.groupsOf ?? ((user) => slackGroups.resolve?.(user) ?? Promise.resolve([])));
    const history = new HealthHistory(redis, keys);
    const trend = new FleetTrend(redis, keys);
    const tenantIndex = (run: string) => new TenantIndex(redis, keys.tenantIndex(run));
    const sweeps = queue(SWEEPS_QUEUE);
    const alerts = queue(ALERTS_QUEUE);
    sweeps.setMaxListeners(0);
    const sweepEvents = eventStream(SWEEPS_QUEUE);
    sweepEvents.setMaxListeners(0);
    const scopes: SweepScope[] = [
      ...(emulatorUrl ? cloudRegionCodes : Object.keys(config.cloud.regions)).map((region) => ({ kind: "cloud" as const, region })),
      ...[...Object.keys(config.sites), ...Object.keys(extraSites)].map((site) => ({ kind: "client-managed" as const, site })),
      ...Object.keys(adapters.sharedTenants).map((tenant) => ({ kind: "shared" as const, tenant })),
    ];
    // `health all` answers from the latest sweep; it starts one only when that sweep is older than
    // a minute, so asking often never hammers Qlik (and at most one manual sweep per scope waits).
    const fleet = {
      history,
      sweepNow: async () => {
        const last = await history.lastSweepAt();
        return last && Date.now() - Date.parse(last) < 60_000 ? [] : triggerSweeps(sweeps, scopes);
      },
      jobState: (id: string) => sweeps.getJobState(id),
      // What each place is, for `health all`: shared tenants with their places taken.
      deployments: () => describePlaces(registry, scopes),
    };
    const ops = createOps({ redis, queues: [operations, updates, sweeps, alerts], eventStreams: [events, sweepEvents] });
    closers.push(() => ops.close());
    const placement = placementTable(config, Boolean(emulatorUrl), Object.keys(extraSites));
    const moves = new CustomerMoves(redis, keys);
    const rollouts = new RolloutStore(redis, keys);
    const sharedTenants = Object.fromEntries(Object.entries(adapters.sharedTenants).map(([name, t]) => [name, { templates: t.templates, features: t.features, region: t.region }]));
    const dispatch: DispatchDeps = { parseContext: { sites: [...Object.keys(config.sites), ...Object.keys(extraSites)], placement, sharedTenants: Object.keys(sharedTenants) }, sharedTenants, registry, operations, redis, access, approvals, audit, checkpoints, fleet, redisState, moves, moveGraceDays: config.moveGraceDays, rollouts, rolloutDefaults: { canary: config.rollout.canary, thresholdPct: config.rollout.thresholdPct } };
    const handle: QoemHandle = { config, logger, redis, keys, registry, operations, updates, events, dispatch, adapters, close, sweeps, sweepEvents, history, scopes, redisState, ...(cloudEmulator ? { cloudEmulator } : {}), ...(siteEmulator ? { siteEmulator } : {}) };
    const apiNotifications = new ApiNotifications(redis, prefix, Boolean(config.api.callback));
    for (const q of apiNotifications.queues) redisState.watch(q);
    shutdown.add(() => apiNotifications.close(), () => apiNotifications.queues.forEach(cutBullConnections));
    const api = config.roles.includes("chat")
      ? createApiHandler({ dispatch, keys, tokens: config.api.tokens, ratePerMinute: config.api.ratePerMinute, logger, onApprovalRequested: (id) => apiNotifications.approvalRequested(id) })
      : undefined;

    const workers: Worker[] = [];
    // Watched from the start: a worker's errors go to the Redis state, never to BullMQ's console printing.
    const startWorker = (worker: Worker) => {
      redisState.watch(worker);
      workers.push(worker);
    };
    if (config.roles.includes("worker")) {
      startWorker(
        startOperationWorker({
          connection: redis,
          prefix,
          adapterFor: adapters.adapterFor,
          ...(adapters.listTenantPages ? { listTenantPages: adapters.listTenantPages } : {}),
          tenantIndex,
          ignoreHosts: adapters.ignoreHosts,
          sharedTenants: Object.keys(adapters.sharedTenants),
          registry,
          checkpoints,
          lock,
          audit,
          approvals,
          moves,
          moveGraceDays: config.moveGraceDays,
          operations,
          updates,
          logger,
          apiNotifications,
          rollouts,
          rolloutOptions: { variables: config.rollout.variables, concurrency: options.rolloutConcurrency ?? config.rollout.concurrency, canary: config.rollout.canary, limits: options.rateLimits ?? gateLimits(config), sharedTenantRegions: Object.fromEntries(Object.entries(adapters.sharedTenants).map(([name, t]) => [name, t.region])) },
          alertRollout: (id, text) => alertRolloutPaused(history.outbox, alerts, id, text),
          ...options.worker,
        }),
      );
      if (config.api.callback) startWorker(startCallbackWorker({ connection: redis, prefix, ...config.api.callback, logger }));
    }
    if (config.roles.includes("worker")) {
      startWorker(
        startSweepWorker({
          connection: redis,
          prefix,
          registry,
          history,
          adapterFor: adapters.adapterFor,
          ...(adapters.listTenantPages ? { listTenantPages: adapters.listTenantPages } : {}),
          tenantIndex,
          detailBatch: config.sweep.detailBatch,
          trend,
          lock,
          alerts,
          logger,
        }),
      );
    }
    if (config.roles.includes("scheduler")) await upsertSweepSchedulers(sweeps, scopes, config.sweep.everyMs);
    if (config.roles.includes("chat") && !config.slack && options.shell) {
      const out = options.shell.output;
      startWorker(startAlertsNotifier({ connection: redis, keys, logger, deliver: async (text) => void out.write(`\n[alert] ${text}\n`) }));
      startWorker(startApiEventsWorker({ connection: redis, prefix, logger, deliver: async (e) => void out.write(`\n[api] ${e.kind === "ended" ? `${e.ended.operation.operation} ${e.ended.operation.customer}: ${e.ended.operation.state}` : `approval ${e.approvalId} requested; approve with: approve ${e.approvalId}`}\n`) }));
    }
    if (config.roles.includes("chat") && config.slack) {
      const slack = createSlackApp({
        ...config.slack,
        logger,
        dispatch,
        ...(config.channels.approvals ? { approvalsChannel: config.channels.approvals } : {}),
        follow: (jobId, follow) => followJob(events, operations, jobId, () => undefined, follow),
        replay: { redis, seenKey: keys.slackSeen, logger },
        sweepEvents,
        fleetHealth: async () => summarizeFleetHealth(history.scanLatest(), await history.lastSweepAt(), await fleet.deployments()),
        trend,
        // The onboarding form offers what the adapters read now (templates, licensed features) for the places qoem can onboard to.
        onboardingChoices: () => readOnboardingChoices(adapters.adapterFor, [...placement.options.map((o) => o.target), ...dispatch.parseContext.sites.map((site) => ({ kind: "client-managed" as const, site }))]),
        customRoutes: ops.routes,
        ...(api ? { api } : {}),
      });
      const client = slack.app.client;
      ops.watchSlack(() => client.auth.test());
      const stopExpiry = startApprovalExpiry(approvals, audit, logger, async (a) => {
        if (a.requestChannel && a.requestTs) await client.chat.update({ channel: a.requestChannel, ts: a.requestTs, ...approvalDecidedMessage(a) });
      }, options.approvalExpiryEveryMs);
      closers.push(async () => stopExpiry());
      slackGroups.resolve = createGroupResolver(slack.app.client, [...config.access.engineers, ...config.access.oncall, ...config.access.approvers]);
      const started = await slack.start().catch((e: NodeJS.ErrnoException) => {
        throw e.code === "EADDRINUSE" ? new Error(portInUseMessage({ port: config.slack!.port, setting: "PORT" })) : e;
      });
      if (started.port !== undefined) handle.slackPort = started.port;
      closers.push(() => slack.stop());
      startWorker(startThreadUpdater({ connection: redis, prefix, keys, operations, client: slack.app.client, logger }));
      startWorker(startAlertsNotifier({ connection: redis, keys, logger, deliver: createAlertPoster(client, config.channels.alerts, logger) }));
      startWorker(startApiEventsWorker({ connection: redis, prefix, logger, deliver: createApiEventPoster(client, dispatch, config.channels, logger) }));
      logger.info({ port: started.port, socketMode: Boolean(config.slack.appToken) }, "Slack surface started");
    }
    // Running jobs get the grace period to finish; past it a worker is force-closed and its jobs are left for another.
    shutdown.add(
      async () => void (await Promise.all(workers.map((w) => w.close()))),
      () => workers.forEach((w) => (void w.close(true).catch(() => undefined), cutBullConnections(w))),
    );
    ops.watchWorkers(workers);
    if (!(config.roles.includes("chat") && config.slack)) {
      // Without a Slack surface here there is no request message to edit; the status still goes back.
      const stop = startApprovalExpiry(approvals, audit, logger, undefined, options.approvalExpiryEveryMs);
      closers.push(async () => stop());
    }
    if (config.opsPort !== undefined) handle.opsPort = await ops.listen(config.opsPort);
    // The provisioning API shares PORT with Slack's events in HTTP mode; elsewhere it has its own port when one is given.
    if (api && config.api.port !== undefined && !(config.slack && !config.slack.appToken)) {
      const server = await serveApi(api, config.api.port);
      handle.apiPort = server.port;
      logger.info({ port: server.port, tokens: config.api.tokens.length }, "provisioning API listening");
      if (config.api.tokens.length === 0) logger.warn("the provisioning API has no tokens (QOEM_API_TOKENS or api.tokens), so every call is refused with 401");
      closers.push(() => server.close());
    }
    // The shell last: its prompt means everything else is up.
    if (config.roles.includes("chat") && !config.slack && options.shell) {
      handle.shellDone = runShell({ ...options.shell, dispatch, events, operations, sweeps, sweepEvents });
    }
    return handle;
  } catch (error) {
    await close();
    throw error;
  }
}

/** host:port of a Redis URL, for log lines (never its credentials). */
function redisAddress(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparsable REDIS_URL)";
  }
}

/** Every port this process will listen on, with the setting that chose it. */
function wantedPorts(config: Config): WantedPort[] {
  const chat = config.roles.includes("chat");
  const slackHttp = Boolean(chat && config.slack && !config.slack.appToken);
  return [
    ...(slackHttp ? [{ port: config.slack!.port, setting: "PORT" }] : []),
    ...(config.opsPort !== undefined ? [{ port: config.opsPort, setting: "QOEM_OPS_PORT" }] : []),
    ...(chat && config.api.port !== undefined && !(config.slack && !config.slack.appToken) ? [{ port: config.api.port, setting: "QOEM_API_PORT" }] : []),
  ];
}
