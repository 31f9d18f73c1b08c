/**
 * Health history per customer in Redis (the latest verdicts, bounded), the latest verdict of every
 * customer for `health all` and App Home, and the alert decision: one alert when a verdict changes
 * state (red at once; amber and the all-clear once confirmed by a second sweep), none while a
 * customer flaps. A sweep that could not check a customer records "unknown": it neither starts nor
 * ends an alert streak (the last real verdict stands). A decided alert goes to the outbox; what the
 * alerts channel heard is written only once it is delivered. Pure decision function, Redis around it.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Verdict } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";
import { AlertOutbox, alertId, alertKindSchema, type PendingAlert } from "./alert-outbox.ts";

export const HISTORY_LENGTH = 20;
const FLAP_WINDOW = 6;
const FLAP_CHANGES = 3;

/** A sweep's verdict: an adapter's, or "unknown" when qoem itself could not check (rate limited, transient, config). */
export type HealthVerdict = Verdict | "unknown";
const verdictSchema = z.enum(["green", "amber", "red"]);
const isVerdict = (v: unknown): v is Verdict => v === "green" || v === "amber" || v === "red";

export const latestSchema = z.object({
  customer: z.string(),
  where: z.string(),
  verdict: z.enum(["green", "amber", "red", "unknown"]),
  reasons: z.array(z.string()),
  at: z.string(),
  /** When the current verdict started (its age). */
  since: z.string(),
  /** For an unknown: the last real verdict and since when it held. */
  known: z.object({ verdict: verdictSchema, since: z.string() }).optional(),
  /** The verdict the alerts channel last heard about (kept apart, filled in on read). */
  alerted: verdictSchema.optional(),
  /** An alert decided but not yet delivered (kept in the outbox, filled in on read). */
  pendingAlert: alertKindSchema.optional(),
  held: z.boolean().optional(),
  /** When the last detailed (not fleet-signal only) check ran. */
  detailedAt: z.string().optional(),
});
export type LatestHealth = z.infer<typeof latestSchema>;

export type AlertKind = "red" | "amber" | "all-clear";

export function isFlapping(history: Verdict[]): boolean {
  const window = history.slice(0, FLAP_WINDOW);
  let changes = 0;
  for (let i = 1; i < window.length; i++) if (window[i] !== window[i - 1]) changes++;
  return changes >= FLAP_CHANGES;
}

/**
 * What to tell the alerts channel, given the verdicts newest first (including the new one) and the
 * verdict it last heard about (none: a new customer, taken as green).
 */
export function decideAlert(history: Verdict[], alerted: Verdict | undefined): { alert?: AlertKind; held: boolean } {
  const now = history[0];
  const last = alerted ?? "green";
  if (!now || now === last) return { held: false };
  if (isFlapping(history)) return { held: true };
  if (now === "red") return { alert: "red", held: false };
  const confirmed = history[1] === now;
  if (!confirmed) return { held: false };
  return { alert: now === "green" ? "all-clear" : "amber", held: false };
}

export interface RecordedHealth {
  latest: LatestHealth;
  /** The alert this verdict decided (now pending in the outbox). */
  alert?: PendingAlert;
}

export interface SweepVerdict {
  customer: string;
  where: string;
  verdict: HealthVerdict;
  reasons: string[];
  detailed?: boolean;
}

function parseLatest(raw: string | null | undefined): LatestHealth | undefined {
  if (!raw) return undefined;
  const parsed = latestSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : undefined;
}

export class HealthHistory {
  readonly outbox: AlertOutbox;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.outbox = new AlertOutbox(redis, keys);
  }

  /** The stored verdict with what the alerts channel heard and any undelivered alert. */
  private merge(raw: string | null | undefined, alerted: string | null | undefined, pending: PendingAlert | undefined): LatestHealth | undefined {
    const latest = parseLatest(raw);
    if (!latest) return undefined;
    const heard = isVerdict(alerted) ? alerted : latest.alerted;
    const { alerted: _stored, pendingAlert: _pending, ...rest } = latest;
    return { ...rest, ...(heard ? { alerted: heard } : {}), ...(pending ? { pendingAlert: pending.kind } : {}) };
  }

  async latest(customer: string): Promise<LatestHealth | undefined> {
    const [raw, alerted, pending] = await Promise.all([this.redis.hget(this.keys.healthLatest(), customer), this.redis.hget(this.keys.healthAlerted(), customer), this.outbox.pendingFor(customer)]);
    return this.merge(raw, alerted, pending);
  }

  /** The latest verdicts of these customers only (one HMGET per thousand). */
  async latestOf(customers: string[]): Promise<Map<string, LatestHealth>> {
    const out = new Map<string, LatestHealth>();
    for (let i = 0; i < customers.length; i += 1000) {
      const batch = customers.slice(i, i + 1000);
      const raw = await this.redis.hmget(this.keys.healthLatest(), ...batch);
      raw.forEach((r, j) => {
        const latest = this.merge(r, undefined, undefined);
        if (latest) out.set(batch[j]!, latest);
      });
    }
    return out;
  }

  /**
   * The latest verdict of every customer, a page at a time in name order (with what the alerts channel
   * heard and any undelivered alert): `health all` and App Home over the whole estate in bounded memory.
   * Walks the registry's name index with a cursor on the name, so each customer comes exactly once.
   */
  async *scanLatest(pageSize = 500): AsyncGenerator<LatestHealth[]> {
    for (let after = "-"; ; ) {
      const names = await this.redis.zrangebylex(this.keys.customers(), after, "+", "LIMIT", 0, pageSize);
      if (names.length === 0) return;
      after = `(${names[names.length - 1]}`;
      const [raw, alerted, pending] = await Promise.all([this.redis.hmget(this.keys.healthLatest(), ...names), this.redis.hmget(this.keys.healthAlerted(), ...names), this.outbox.pendingOf(names)]);
      const page = names.flatMap((_, i) => {
        const latest = this.merge(raw[i], alerted[i], pending[i]);
        return latest ? [latest] : [];
      });
      if (page.length) yield page;
      if (names.length < pageSize) return;
    }
  }

  /** Every latest verdict at once: for tests and small fleets; surfaces use `scanLatest`. */
  async all(): Promise<LatestHealth[]> {
    const out: LatestHealth[] = [];
    for await (const page of this.scanLatest()) out.push(...page);
    return out;
  }

  /** Stores a batch of verdicts and returns, per customer, the alert it decided. Two round trips per batch. */
  async record(results: SweepVerdict[]): Promise<RecordedHealth[]> {
    if (results.length === 0) return [];
    const read = this.redis.pipeline();
    for (const r of results) {
      read.lrange(this.keys.healthHistory(r.customer), 0, HISTORY_LENGTH - 1);
      read.hget(this.keys.healthLatest(), r.customer);
      read.hget(this.keys.healthAlerted(), r.customer);
    }
    const answers = (await read.exec()) ?? [];
    const write = this.redis.multi();
    const now = new Date().toISOString();
    const out: RecordedHealth[] = results.map((r, i) => {
      // Unknowns are kept in the history but never count in the alert decision.
      const past = ((answers[i * 3]?.[1] as string[] | undefined) ?? []).filter(isVerdict);
      const prev = parseLatest(answers[i * 3 + 1]?.[1] as string | null | undefined);
      const alertedRaw = answers[i * 3 + 2]?.[1] as string | null | undefined;
      const heard = isVerdict(alertedRaw) ? alertedRaw : prev?.alerted;
      const lastReal = prev ? (prev.verdict !== "unknown" ? { verdict: prev.verdict, since: prev.since } : prev.known) : undefined;
      const detailedAt = r.detailed ? now : prev?.detailedAt;
      write.lpush(this.keys.healthHistory(r.customer), r.verdict);
      write.ltrim(this.keys.healthHistory(r.customer), 0, HISTORY_LENGTH - 1);
      if (r.verdict === "unknown") {
        const latest: LatestHealth = {
          customer: r.customer,
          where: r.where,
          verdict: "unknown",
          reasons: r.reasons,
          at: now,
          since: prev?.verdict === "unknown" ? prev.since : now,
          ...(lastReal ? { known: lastReal } : {}),
          ...(prev?.held ? { held: true } : {}),
          ...(detailedAt ? { detailedAt } : {}),
        };
        write.hset(this.keys.healthLatest(), r.customer, JSON.stringify(latest));
        return { latest };
      }
      const decision = decideAlert([r.verdict, ...past], heard);
      const since = lastReal?.verdict === r.verdict ? lastReal.since : now;
      const latest: LatestHealth = {
        customer: r.customer,
        where: r.where,
        verdict: r.verdict,
        reasons: r.reasons,
        at: now,
        since,
        ...(decision.held ? { held: true } : {}),
        ...(detailedAt ? { detailedAt } : {}),
      };
      write.hset(this.keys.healthLatest(), r.customer, JSON.stringify(latest));
      // A new customer that is green needs no alert: the channel is taken to know it green.
      const baseline = heard ?? (r.verdict === "green" ? "green" : undefined);
      if (!isVerdict(alertedRaw) && baseline) write.hsetnx(this.keys.healthAlerted(), r.customer, baseline);
      if (!decision.alert) return { latest };
      const alert: PendingAlert = {
        id: alertId(r.customer, r.verdict, since),
        kind: decision.alert,
        customer: r.customer,
        where: r.where,
        verdict: r.verdict,
        reasons: r.reasons,
        ...(heard ? { previous: heard } : {}),
        decidedAt: now,
      };
      write.hset(this.keys.alertsOutbox(), r.customer, JSON.stringify(alert));
      return { latest: { ...latest, pendingAlert: alert.kind }, alert };
    });
    write.hset(this.keys.sweepMeta(), "lastSweepAt", now);
    await write.exec();
    return out;
  }

  async markSweep(): Promise<void> {
    await this.redis.hset(this.keys.sweepMeta(), "lastSweepAt", new Date().toISOString());
  }

  async lastSweepAt(): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.sweepMeta(), "lastSweepAt")) ?? undefined;
  }
}
