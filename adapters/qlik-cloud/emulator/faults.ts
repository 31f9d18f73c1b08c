/**
 * Fault injection for the emulators: latency, 5xx, 429 bursts and dropped connections, matched by
 * method and path, optionally limited to a number of hits. Set at start and changeable while the
 * emulator runs (programmatically or through `POST /_emulator/faults`).
 */
import { z } from "zod";

export const faultRuleSchema = z.object({
  method: z.string().toUpperCase().optional(),
  /** A substring of `<host>/<path>` (without the query), or a regular expression written as /.../. */
  path: z.string().optional(),
  /** drop-after: the request is carried out, then the connection is cut before the answer. latency-after: carried out, answered late. */
  action: z.enum(["status", "drop", "drop-after", "latency", "latency-after", "rate-limit"]),
  status: z.number().int().min(400).max(599).optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  /** Fire this many times, then disappear. Omitted: forever. */
  times: z.number().int().positive().optional(),
  /** Fire with this probability (0..1). Omitted: always. */
  probability: z.number().min(0).max(1).optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;
export const faultRulesSchema = z.array(faultRuleSchema);

export class FaultInjector {
  private rules: FaultRule[] = [];
  fired = 0;

  set(rules: FaultRule[]): void {
    this.rules = faultRulesSchema.parse(rules);
  }

  add(rule: FaultRule): void {
    this.rules.push(faultRuleSchema.parse(rule));
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The rules that fire for this request, consuming their `times`. Latency rules come first. */
  match(method: string, target: string): FaultRule[] {
    const hits: FaultRule[] = [];
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !pathMatches(rule.path, target)) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      hits.push(rule);
      if (rule.times !== undefined) rule.times -= 1;
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.times > 0);
    this.fired += hits.length;
    return hits.sort((a, b) => Number(b.action === "latency") - Number(a.action === "latency"));
  }
}

function pathMatches(pattern: string, target: string): boolean {
  if (pattern.length > 2 && pattern.startsWith("/") && pattern.endsWith("/")) {
    return new RegExp(pattern.slice(1, -1)).test(target);
  }
  return target.includes(pattern);
}
