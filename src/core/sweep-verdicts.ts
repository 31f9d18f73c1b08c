/**
 * A sweep's verdicts on their way to the health history: written in batches as they are made (never a
 * region's worth held), counted, with the alerts they decided (the first few kept for the sweep's
 * result, all of them counted) and the first reason qoem could not check someone.
 */
import { toErrorData } from "../../adapters/port.ts";
import type { HealthHistory, HealthVerdict, SweepVerdict } from "./health-history.ts";
import type { PendingAlert } from "./alert-outbox.ts";

/** How many of a sweep's alerts its result names (all are in the outbox, and counted). */
export const ALERTS_NAMED = 100;
const BATCH = 100;

export class SweepVerdicts {
  readonly counts: Record<HealthVerdict, number> = { green: 0, amber: 0, red: 0, unknown: 0 };
  readonly alerts: PendingAlert[] = [];
  alertCount = 0;
  detailed = 0;
  unchecked: { count: number; code: string; reason: string } | undefined;
  private pending: SweepVerdict[] = [];
  private written = 0;

  constructor(
    private readonly history: HealthHistory,
    private readonly where: string,
    /** Told after each batch is written: how many so far, and their verdicts counted. */
    private readonly progress?: (done: number, counts: Record<HealthVerdict, number>) => Promise<void>,
  ) {}

  async add(verdict: SweepVerdict): Promise<void> {
    this.pending.push(verdict);
    if (verdict.detailed) this.detailed++;
    if (this.pending.length >= BATCH) await this.flush();
  }

  /** "unknown": qoem could not check this customer (its own trouble, said once per sweep, not the customer's health). */
  async notChecked(customer: string, error: unknown): Promise<void> {
    const { code, message } = toErrorData(error);
    if (this.unchecked) this.unchecked.count++;
    else this.unchecked = { count: 1, code, reason: message };
    await this.add({ customer, where: this.where, verdict: "unknown", reasons: [`could not be checked: ${message}`] });
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const rec of await this.history.record(batch)) {
      this.counts[rec.latest.verdict]++;
      if (!rec.alert) continue;
      this.alertCount++;
      if (this.alerts.length < ALERTS_NAMED) this.alerts.push(rec.alert);
    }
    this.written += batch.length;
    await this.progress?.(this.written, { ...this.counts });
  }
}
