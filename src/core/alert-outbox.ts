/**
 * The alerts outbox: an alert a sweep decided waits here (one per customer, the newest decision)
 * until a surface has delivered it; only then does its verdict become what the alerts channel last
 * heard about. Delivery is at least once (the caller retries until it succeeds) and at most once
 * per alert id: a marker set right after the post is checked before posting, so a retried or
 * re-enqueued delivery never posts the same alert twice.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Verdict } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";
import { evalScript } from "./eval-script.ts";

const verdictSchema = z.enum(["green", "amber", "red"]);
export const alertKindSchema = z.enum(["red", "amber", "all-clear"]);

export const pendingAlertSchema = z.object({
  id: z.string().min(1),
  kind: alertKindSchema,
  customer: z.string(),
  where: z.string(),
  verdict: verdictSchema,
  reasons: z.array(z.string()),
  /** The verdict the alerts channel had heard before this one. */
  previous: verdictSchema.optional(),
  decidedAt: z.string(),
});
export type PendingAlert = z.infer<typeof pendingAlertSchema>;

/** One id per change: the same customer turning the same colour at the same moment is the same alert. */
export const alertId = (customer: string, verdict: Verdict, since: string) =>
  `alert-${createHash("sha1").update(`${customer}\n${verdict}\n${since}`).digest("hex").slice(0, 24)}`;

const DELIVERED_TTL_SECONDS = 30 * 86_400;

// Settles a delivered alert: out of the outbox, its verdict recorded as heard; only while it is
// still the customer's pending alert (a newer decision may have replaced it meanwhile).
const settleScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local ok, entry = pcall(cjson.decode, current)
if not ok or type(entry) ~= 'table' or entry.id ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`;

export type DeliveryOutcome = "delivered" | "already-delivered" | "not-pending";

const parse = (raw: string | null | undefined): PendingAlert | undefined => {
  if (!raw) return undefined;
  try {
    const parsed = pendingAlertSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

export class AlertOutbox {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async pending(): Promise<PendingAlert[]> {
    return (await this.redis.hvals(this.keys.alertsOutbox())).flatMap((raw) => parse(raw) ?? []);
  }

  /** The pending alerts of these customers (undefined where none), one HMGET. */
  async pendingOf(customers: string[]): Promise<Array<PendingAlert | undefined>> {
    if (customers.length === 0) return [];
    return (await this.redis.hmget(this.keys.alertsOutbox(), ...customers)).map(parse);
  }

  /**
   * Every pending alert, a page at a time (HSCAN): a sweep re-queues an outage's thousands without
   * holding them. A page may repeat an alert HSCAN saw twice; queueing by alert id makes that harmless.
   */
  async *scanPending(pageSize = 200): AsyncGenerator<PendingAlert[]> {
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(this.keys.alertsOutbox(), cursor, "COUNT", pageSize);
      cursor = next;
      const page = flat.flatMap((raw, i) => (i % 2 === 1 ? (parse(raw) ?? []) : []));
      if (page.length) yield page;
    } while (cursor !== "0");
  }

  /** Puts an alert in the outbox that no sweep decided (a paused rollout, under its own key), to be delivered like the others. */
  async raise(alert: PendingAlert): Promise<void> {
    await this.redis.hset(this.keys.alertsOutbox(), alert.customer, JSON.stringify(pendingAlertSchema.parse(alert)));
  }

  async pendingFor(customer: string): Promise<PendingAlert | undefined> {
    return parse(await this.redis.hget(this.keys.alertsOutbox(), customer));
  }

  /**
   * Delivers the customer's pending alert `id` through `post`, unless it was delivered already or is
   * no longer pending. Throws what `post` throws: the alert then stays pending, for a retry.
   */
  async deliver(customer: string, id: string, post: (alert: PendingAlert) => Promise<void>): Promise<DeliveryOutcome> {
    const alert = await this.pendingFor(customer);
    if (!alert || alert.id !== id) return "not-pending";
    const marker = this.keys.alertDelivered(id);
    const already = (await this.redis.exists(marker)) === 1;
    if (!already) {
      await post(alert);
      await this.redis.set(marker, new Date().toISOString(), "EX", DELIVERED_TTL_SECONDS, "NX");
    }
    await evalScript(this.redis, settleScript, 2, this.keys.alertsOutbox(), this.keys.healthAlerted(), customer, id, alert.verdict);
    return already ? "already-delivered" : "delivered";
  }
}
