// What a health check found, folded into one verdict: red wins, then amber; every reason kept in order.
import type { HealthReport, Verdict } from "./port.ts";

export class HealthFindings {
  verdict: Verdict = "green";
  reasons: string[] = [];

  add(level: Exclude<Verdict, "green">, reason: string): void {
    this.reasons.push(reason);
    if (level === "red" || this.verdict === "green") this.verdict = level;
  }

  /** The report of what was found, checked now. */
  report(customer: string): HealthReport {
    return { customer, verdict: this.verdict, reasons: this.reasons, checkedAt: new Date().toISOString() };
  }
}
