/**
 * Every Redis key qoem writes, under one prefix wrapped in a hash tag (`{qoem}:...`) so that all of
 * them hash to one Redis Cluster slot, as BullMQ's queues (same prefix) do.
 */
export class RedisKeys {
  readonly tag: string;

  constructor(readonly prefix: string) {
    this.tag = `{${prefix}}`;
  }

  customer = (name: string) => `${this.tag}:customer:${name}`;
  customers = () => `${this.tag}:customers`;
  /** Customers of one region or site, so a sweep of it never reads the whole registry. */
  customersAt = (where: string) => `${this.tag}:customers-at:${where}`;
  lock = (customer: string) => `${this.tag}:lock:${customer}`;
  /** The fencing counter of a customer's lock: grows with every execution that takes it. */
  fence = (customer: string) => `${this.tag}:fence:${customer}`;
  /** An onboard's checkpoint (facts and finished steps), kept with the customer so any later job resumes it. */
  checkpoint = (customer: string) => `${this.tag}:checkpoint:${customer}`;
  /** A customer's move (where from, where to, its apps, its checkpoint and its removal), the latest one. */
  move = (customer: string) => `${this.tag}:move:${customer}`;
  audit = () => `${this.tag}:audit`;
  customerAudit = (customer: string) => `${this.tag}:audit:${customer}`;
  approval = (id: string) => `${this.tag}:approval:${id}`;
  approvalFor = (customer: string) => `${this.tag}:approval-for:${customer}`;
  approvalsPending = () => `${this.tag}:approvals:pending`;
  healthLatest = () => `${this.tag}:health:latest`;
  healthHistory = (customer: string) => `${this.tag}:health:history:${customer}`;
  sweepMeta = () => `${this.tag}:health:sweep`;
  /** The verdict the alerts channel last heard about, per customer (written only after delivery). */
  healthAlerted = () => `${this.tag}:health:alerted`;
  /** Alerts decided but not yet delivered, one per customer. */
  alertsOutbox = () => `${this.tag}:alerts:outbox`;
  alertDelivered = (id: string) => `${this.tag}:alerts:delivered:${id}`;
  /** A fleet-wide run's index of tenant id -> customers (a sweep's or `list`'s), dropped when it ends, expiring if it dies. */
  tenantIndex = (run: string) => `${this.tag}:tenant-index:${run}`;
  mutex = (name: string) => `${this.tag}:mutex:${name}`;
  rate = (tier: string, host: string) => `${this.tag}:rate:${tier}:${host}`;
  /** How many customers each place had in one hour (hours since the epoch), for App Home's trend. */
  fleetTrend = (hour: number) => `${this.tag}:fleet-trend:${hour}`;
  threadFinal = (jobId: string) => `${this.tag}:thread-final:${jobId}`;
  /** An idempotency key of the provisioning API, per token. */
  idempotency = (token: string, keyHash: string) => `${this.tag}:idempotency:${token}:${keyHash}`;
  /** A provisioning API token's calls in one minute. */
  apiRate = (token: string, minute: number) => `${this.tag}:api-rate:${token}:${minute}`;
  /** A template rollout: its plan, status and counters (hash). */
  rollout = (id: string) => `${this.tag}:rollout:${id}`;
  /** Each customer's state in a rollout (hash customer -> state), and what was learned on the way (hash customer -> JSON). */
  rolloutStates = (id: string) => `${this.tag}:rollout:${id}:states`;
  rolloutDetails = (id: string) => `${this.tag}:rollout:${id}:details`;
  /** How many customers of a rollout are in each state (hash state -> count), kept with every state change. */
  rolloutCounts = (id: string) => `${this.tag}:rollout:${id}:counts`;
  /** The customers of one wave, in order (list). */
  rolloutWave = (id: string, wave: number) => `${this.tag}:rollout:${id}:wave:${wave}`;
  /** Customers of a rollout whose previous app is kept until the rollout ends (set), and those whose kept app could not be removed then (hash customer -> why). */
  rolloutKept = (id: string) => `${this.tag}:rollout:${id}:kept`;
  rolloutKeptLeft = (id: string) => `${this.tag}:rollout:${id}:kept-left`;
  /** The one live rollout of a template (its id). */
  rolloutOf = (template: string) => `${this.tag}:rollout-of:${template}`;
  /** A Slack request signature already accepted (replay protection, kept about ten minutes). */
  slackSeen = (signature: string) => `${this.tag}:slack-seen:${signature}`;
}
