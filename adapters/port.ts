/**
 * The adapter port: what core asks of a deployment kind (a customer's own Qlik Cloud tenant, a
 * client-managed site, or a Qlik Cloud tenant shared by customers separated by spaces).
 *
 * Covers: onboarding as ordered, idempotent steps (each step first looks for what it would
 * create and adopts it), a dry-run plan that changes nothing, health, offboard and reactivate.
 * Leaves out: chat, queues, Redis, locks, retries and audit. Those belong to core and queue.
 * Connections: an adapter owns its HTTP clients, tokens and engine sessions; `close()` releases
 * them. Errors: every failure leaves an adapter as a `QoemError` below, whose `code` and
 * `retryable` flag (not its class) tell the queue whether to retry and the chat what to say.
 * Secrets never appear in an error message or detail.
 */

export type DeploymentKind = "cloud" | "client-managed" | "shared";

/** Where a customer lives: a Qlik Cloud region code (its own tenant), a client-managed site or a shared tenant named in the config. */
export type Target = { kind: "cloud"; region: string } | { kind: "client-managed"; site: string } | { kind: "shared"; tenant: string };

export interface OnboardRequest {
  customer: string;
  target: Target;
  templates: string[];
  features: string[];
}

/** Facts that earlier steps learned (tenant id, hostname, space ids) and later steps need. */
export type StepFacts = Record<string, string>;

export interface StepContext {
  request: OnboardRequest;
  facts: StepFacts;
  /** Aborted when the operation is being shut down; long steps should pass it on. */
  signal?: AbortSignal;
  /** Persists facts at once (mid-step), e.g. a tenant id right after the create call returns. */
  checkpoint?(facts: StepFacts): Promise<void>;
}

export type StepOutcomeKind = "created" | "adopted" | "updated" | "unchanged";

export interface StepOutcome {
  outcome: StepOutcomeKind;
  /** One line for the thread, e.g. "tenant t-123 (acme.eu.qlikcloud.com)". Never a secret. */
  detail: string;
  /** Merged into the facts handed to the next steps, and persisted as a checkpoint. */
  facts?: StepFacts;
}

export interface OnboardStep {
  id: string;
  title: string;
  run(ctx: StepContext): Promise<StepOutcome>;
  /**
   * The request's options this step depends on (e.g. the template names), as one string. A resumed
   * onboard whose options changed runs the step again instead of skipping it. Absent: the step
   * depends only on the customer and its place.
   */
  inputs?(request: OnboardRequest): string;
  /** Dry run: what this step would do, using reads only. */
  plan(ctx: StepContext): Promise<PlannedStep>;
}

export interface PlannedStep {
  id: string;
  title: string;
  action: "create" | "adopt" | "update" | "none";
  detail: string;
  facts?: StepFacts;
}

export type Verdict = "green" | "amber" | "red";

export interface HealthReport {
  customer: string;
  verdict: Verdict;
  reasons: string[];
  checkedAt: string;
}

export interface CustomerEnvironment {
  customer: string;
  target: Target;
  /** The templates the customer was given (empty: every configured template). */
  templates?: string[];
  tenantId?: string;
  /** The name users reach the customer by (a Qlik Cloud alias, else the tenant's generated hostname). */
  hostname?: string;
  /** A Qlik Cloud tenant's generated hostname: no alias change moves it, so the tenant is read there. */
  tenantHost?: string;
  /** When Qlik said it would purge the deactivated tenant (its deactivate answer, kept by qoem): the tenant's host cannot say. */
  purgeDate?: string;
  /** The tenant's status as a fleet listing just reported it, so the adapter need not read it again. */
  knownStatus?: string;
}

export interface OffboardResult {
  status: string;
  detail: string;
  purgeDate?: string;
}

/** One of a customer's apps, as a move sees it: its id where it lives now, its name and its file's size. */
export interface CustomerApp {
  id: string;
  name: string;
  sizeBytes: number;
}

/** Where a moved app goes: an environment the adapter's onboard steps built (their facts), with a way to persist facts at once. */
export interface AppDestination {
  request: OnboardRequest;
  facts: StepFacts;
  checkpoint(facts: StepFacts): Promise<void>;
}

/**
 * Moving a customer's apps between deployments (core's move drives it). A source lists and exports
 * the customer's apps (a site: its stream; a tenant: its production space; a shared tenant: that
 * customer's spaces only) and `offboard` removes the customer once the move is done. A destination
 * imports each app into the staging space its onboard made and publishes it to production; an app an
 * earlier attempt already put there is found by its name and adopted, never copied twice.
 */
export interface AppTransfer {
  listApps(env: CustomerEnvironment): Promise<CustomerApp[]>;
  /** The app's file (.qvf). */
  exportApp(env: CustomerEnvironment, app: CustomerApp): Promise<Uint8Array>;
  /** The largest app file this deployment takes, in bytes, when it takes apps at all. */
  maxAppBytes?: number;
  /**
   * The onboard step after which the destination takes apps (its spaces exist); the steps after it run
   * once the apps are in, so they find the moved apps (a template step adopts a moved app of its name
   * instead of importing the template beside it). Absent: after every onboard step.
   */
  importAfterStep?: string;
  /** Stages then publishes one app; `file` is asked for only when an import is needed. */
  importApp?(dest: AppDestination, app: CustomerApp, file: () => Promise<Uint8Array>): Promise<StepOutcome>;
}

/**
 * A template's version as its source holds it now: the OEM's source tenant (cloud) or a site's
 * templates stream (client-managed). `version` is the source app's modification time, or its
 * version tag where the OEM sets one; `ref` names the source app (an app id).
 */
export interface TemplateVersion {
  template: string;
  version: string;
  ref: string;
}

/** A customer's published copy of a template: its production app, and the app it was last published from. */
export interface PublishedApp {
  appId: string;
  /** Cloud: the staging app production was published from (kept as the rollback point). */
  originAppId?: string;
  /** Changes with every publish or replace: how a resumed rollout tells whether its replace went out. */
  publishTime: string;
}

/** What a reload and the open check found: the reload's outcome and whether the app opened. */
export type AppCheck = { ok: true; detail: string } | { ok: false; reason: string };

/**
 * Moving a new version of a template into one customer's environment (rollouts), as separate
 * idempotent calls so that core can record each one before the next: stage a copy, keep the app
 * production has now, replace production, reload and check, and put the kept app back if needed.
 * Reload variables are the customer's (at most 20, each name and value up to 256 characters).
 */
export interface AppRollout {
  /** The template's version in its source now; client-managed needs the site whose stream holds it. */
  templateVersion(template: string, target: Target): Promise<TemplateVersion>;
  /** The customer's published copy of the template, if its production space or stream has one. */
  findPublished(env: CustomerEnvironment, template: string): Promise<PublishedApp | undefined>;
  /** Imports `version` into the customer's staging place (adopting an earlier import of this rollout); returns the staged app. */
  stage(env: CustomerEnvironment, version: TemplateVersion, published: PublishedApp): Promise<{ appId: string }>;
  /** Keeps the app production has now, so that a failed check can go back to it. */
  keep(env: CustomerEnvironment, template: string, published: PublishedApp): Promise<{ appId: string }>;
  /** Publishes the staged app over the production app (cloud: republish; client-managed: QRS replace). */
  replace(env: CustomerEnvironment, stagedAppId: string, published: PublishedApp): Promise<void>;
  /** Reloads the production app with the variables and checks it opens. */
  reloadAndCheck(env: CustomerEnvironment, appId: string, variables: Record<string, string>): Promise<AppCheck>;
  /** Puts the kept app back over production (rollback). */
  restore(env: CustomerEnvironment, keptAppId: string, published: PublishedApp): Promise<void>;
  /**
   * Removes what the customer's update no longer needs once it ended, except the kept previous app
   * after an update (that stays until the rollout ends: `removeKept`): after a rollback the staged
   * version (on a site, the kept copy too); after an update whatever production does not come from
   * (on a site, the staged copy). An app already gone is fine.
   */
  finish(env: CustomerEnvironment, apps: { stagedAppId: string; keptAppId: string }, outcome: "updated" | "rolled-back"): Promise<void>;
  /** Removes the previous app an updated customer kept, once the rollout ended. An app already gone is fine. */
  removeKept(env: CustomerEnvironment, keptAppId: string): Promise<void>;
}

export interface DeploymentAdapter {
  readonly kind: DeploymentKind;
  /** Absent: customers cannot be moved to or from this deployment kind. */
  readonly apps?: AppTransfer;
  /** Template rollouts: a new version of an app into one customer's environment. Absent: rollouts do not reach this deployment kind. */
  readonly rollout?: AppRollout;
  onboardSteps(request: OnboardRequest): OnboardStep[];
  health(env: CustomerEnvironment): Promise<HealthReport>;
  offboard(env: CustomerEnvironment, options: { purgeAfterDays: number }): Promise<OffboardResult>;
  reactivate(env: CustomerEnvironment): Promise<OffboardResult>;
  /**
   * Read only, for the onboarding form: the template names a customer on `target` can be given (the
   * source tenant's templates space, a site's template stream). Absent: the adapter cannot list them.
   */
  templateNames?(target: Target): Promise<string[]>;
  /**
   * What every customer at `target` is given when its own record names no templates or features (a shared
   * tenant's offer: the guide's identical functionality), so a move out gives the customer what it had. Absent:
   * the record says it all.
   */
  offerOf?(target: Target): { templates: string[]; features: string[] };
  /** Read only, for the onboarding form: the features the licence allows new customers. Absent: no licence to read. */
  licensedFeatures?(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Paces calls to an external API so that a fleet of operations stays under its rate limits:
 * `wait` resolves when one more call of this tier to this host is allowed, with a function to call
 * once the answer is in. The call's slot is then dated from its answer, not from when it was sent,
 * so the server (which counts on arrival) never sees more than the limit in any window. Implementations
 * may share the budget across processes (core's Redis gate) or keep it in memory.
 */
export interface RateGate {
  /** `special`: Qlik's per-endpoint limits (POST /v1/reloads), a budget apart from tiers 1 and 2. */
  wait(host: string, tier: "tier1" | "tier2" | "special"): Promise<() => void>;
}

/**
 * One answer from Qlik (or "error" when none came), told to whoever counts them (qoem's metrics):
 * which kind of host (an organisation's register and console hosts, a tenant, a site's QRS), the
 * call's rate tier ("none" outside Qlik Cloud's tiers) and the HTTP status. Adapters call it once per answer.
 */
export interface QlikCall {
  hostKind: "register" | "tenant" | "console" | "qrs" | "engine";
  tier: "1" | "2" | "special" | "none";
  status: number | "error";
}
export type OnQlikCall = (call: QlikCall) => void;

/**
 * A readers-writer lock by key (across processes where the implementation allows): `shared` holders
 * run side by side; an `exclusive` holder runs alone, after the shared holders in flight finish, and
 * no new shared holder starts while it waits or runs.
 */
export interface Mutex {
  shared<T>(key: string, fn: () => Promise<T>): Promise<T>;
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** The readers-writer lock for one process. */
export class LocalMutex implements Mutex {
  private readonly state = new Map<string, { readers: number; writer: boolean; waiters: Array<() => void> }>();

  private entry(key: string) {
    let e = this.state.get(key);
    if (!e) {
      e = { readers: 0, writer: false, waiters: [] };
      this.state.set(key, e);
    }
    return e;
  }

  private async until(key: string, ready: () => boolean): Promise<void> {
    const e = this.entry(key);
    while (!ready()) await new Promise<void>((r) => e.waiters.push(r));
  }

  private wake(key: string): void {
    const e = this.entry(key);
    const waiters = e.waiters.splice(0);
    for (const w of waiters) w();
  }

  async shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const e = this.entry(key);
    await this.until(key, () => !e.writer);
    e.readers++;
    try {
      return await fn();
    } finally {
      e.readers--;
      this.wake(key);
    }
  }

  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const e = this.entry(key);
    await this.until(key, () => !e.writer);
    e.writer = true;
    try {
      await this.until(key, () => e.readers === 0);
      return await fn();
    } finally {
      e.writer = false;
      this.wake(key);
    }
  }
}

// ---- error taxonomy -------------------------------------------------------------------------

export type ErrorCode =
  | "user_error"
  | "not_found"
  | "conflict"
  | "rate_limited"
  | "transient"
  | "permanent"
  | "unsupported"
  | "config_error"
  /** A bug or an answer qoem cannot read: retrying will not help. */
  | "internal"
  /** This execution of an operation lost its lock to another; it stops without reporting anything. */
  | "superseded";

const retryableCodes: ReadonlySet<ErrorCode> = new Set(["rate_limited", "transient"]);

export class QoemError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Only for `rate_limited`: how long the caller must wait. */
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "QoemError";
    this.code = code;
    this.retryable = retryableCodes.has(code);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export const userError = (message: string) => new QoemError("user_error", message);
export const notFound = (message: string) => new QoemError("not_found", message);
export const conflict = (message: string) => new QoemError("conflict", message);
export const transient = (message: string, cause?: unknown) => new QoemError("transient", message, { cause });
export const permanent = (message: string, cause?: unknown) => new QoemError("permanent", message, { cause });
export const unsupported = (message: string) => new QoemError("unsupported", message);
export const rateLimited = (message: string, retryAfterMs: number) =>
  new QoemError("rate_limited", message, { retryAfterMs });

/** Errors cross process boundaries inside jobs as plain data; this is their wire shape. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** Every error as a coded QoemError: the one failure path for whatever reaches a worker. */
export function toQoemError(error: unknown): QoemError {
  if (error instanceof QoemError) return error;
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown; issues?: unknown; cause?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  // A QoemError that crossed a process boundary (or a copy of this module) keeps its code.
  if (typeof e.code === "string" && knownCodes.has(e.code as ErrorCode) && e.name === "QoemError") return new QoemError(e.code as ErrorCode, message);
  if (e.name === "ZodError" && Array.isArray(e.issues)) {
    const first = e.issues[0] as { path?: unknown[]; message?: string } | undefined;
    return new QoemError("internal", `an answer qoem could not read (${first?.path?.join(".") || "value"}: ${first?.message ?? "invalid"})`, { cause: error });
  }
  if (e.name === "UnrecoverableError") return new QoemError("permanent", message, { cause: error });
  const netCode = typeof e.code === "string" ? e.code : typeof (e.cause as { code?: unknown } | undefined)?.code === "string" ? String((e.cause as { code: string }).code) : "";
  if (/^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|UND_ERR_)/.test(netCode) || message === "fetch failed") {
    return new QoemError("transient", `connection failed (${netCode || message})`, { cause: error });
  }
  return new QoemError("internal", `internal error: ${message}`, { cause: error });
}

const knownCodes: ReadonlySet<ErrorCode> = new Set(["user_error", "not_found", "conflict", "rate_limited", "transient", "permanent", "unsupported", "config_error", "internal", "superseded"]);

export function toErrorData(error: unknown): ErrorData {
  const q = toQoemError(error);
  const data: ErrorData = { code: q.code, message: q.message, retryable: q.retryable };
  if (q.retryAfterMs !== undefined) data.retryAfterMs = q.retryAfterMs;
  return data;
}
