/**
 * Health history per customer in Redis (the latest verdicts, bounded), the latest verdict of every
 * customer for `health all` and App Home, and the alert decision: one alert when a verdict changes
 * state (red at once; amber and the all-clear once confirmed by a second sweep), none while a
 * customer flaps. Pure decision function, Redis storage around it.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Verdict } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";

export const HISTORY_LENGTH = 20;
const FLAP_WINDOW = 6;
const FLAP_CHANGES = 3;

export const latestSchema = z.object({
  customer: z.string(),
  where: z.string(),
  verdict: z.enum(["green", "amber", "red"]),
  reasons: z.array(z.string()),
  at: z.string(),
  /** When the current verdict started (its age). */
  since: z.string(),
  /** The verdict the alerts channel last heard about. */
  alerted: z.enum(["green", "amber", "red"]).optional(),
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
  alert?: AlertKind;
  previous?: Verdict;
}

export class HealthHistory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async latest(customer: string): Promise<LatestHealth | undefined> {
    const raw = await this.redis.hget(this.keys.healthLatest(), customer);
    const parsed = raw ? latestSchema.safeParse(JSON.parse(raw)) : undefined;
    return parsed?.success ? parsed.data : undefined;
  }

  /** The latest verdicts of these customers only (one HMGET per thousand). */
  async latestOf(customers: string[]): Promise<Map<string, LatestHealth>> {
    const out = new Map<string, LatestHealth>();
    for (let i = 0; i < customers.length; i += 1000) {
      const batch = customers.slice(i, i + 1000);
      const raw = await this.redis.hmget(this.keys.healthLatest(), ...batch);
      raw.forEach((r, j) => {
        const parsed = r ? latestSchema.safeParse(JSON.parse(r)) : undefined;
        if (parsed?.success) out.set(batch[j]!, parsed.data);
      });
    }
    return out;
  }

  async all(): Promise<LatestHealth[]> {
    const raw = await this.redis.hvals(this.keys.healthLatest());
    return raw.flatMap((r) => {
      const parsed = latestSchema.safeParse(JSON.parse(r));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Stores a batch of verdicts and returns, per customer, whether to alert. Two round trips per batch. */
  async record(results: Array<{ customer: string; where: string; verdict: Verdict; reasons: string[]; detailed?: boolean }>): Promise<RecordedHealth[]> {
    if (results.length === 0) return [];
    const read = this.redis.pipeline();
    for (const r of results) {
      read.lrange(this.keys.healthHistory(r.customer), 0, FLAP_WINDOW - 2);
      read.hget(this.keys.healthLatest(), r.customer);
    }
    const answers = (await read.exec()) ?? [];
    const write = this.redis.pipeline();
    const now = new Date().toISOString();
    const out: RecordedHealth[] = results.map((r, i) => {
      const past = ((answers[i * 2]?.[1] as string[] | undefined) ?? []).filter((v): v is Verdict => v === "green" || v === "amber" || v === "red");
      const prevRaw = answers[i * 2 + 1]?.[1] as string | null | undefined;
      const prevParsed = prevRaw ? latestSchema.safeParse(JSON.parse(prevRaw)) : undefined;
      const prev = prevParsed?.success ? prevParsed.data : undefined;
      const history = [r.verdict, ...past];
      const decision = decideAlert(history, prev?.alerted);
      const alerted = decision.alert ? (decision.alert === "all-clear" ? "green" : decision.alert) : (prev?.alerted ?? (r.verdict === "green" ? "green" : undefined));
      const latest: LatestHealth = {
        customer: r.customer,
        where: r.where,
        verdict: r.verdict,
        reasons: r.reasons,
        at: now,
        since: prev && prev.verdict === r.verdict ? prev.since : now,
        ...(alerted ? { alerted } : {}),
        ...(decision.held ? { held: true } : {}),
        ...(r.detailed ? { detailedAt: now } : prev?.detailedAt ? { detailedAt: prev.detailedAt } : {}),
      };
      write.lpush(this.keys.healthHistory(r.customer), r.verdict);
      write.ltrim(this.keys.healthHistory(r.customer), 0, HISTORY_LENGTH - 1);
      write.hset(this.keys.healthLatest(), r.customer, JSON.stringify(latest));
      return { latest, ...(decision.alert ? { alert: decision.alert } : {}), ...(prev ? { previous: prev.verdict } : {}) };
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
