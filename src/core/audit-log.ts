/**
 * The audit log: every command and every approval decision, with who, what, when, surface, result
 * and job id, in a Redis stream bounded by a configurable length (plus a shorter stream per
 * customer so `audit <customer>` is cheap). Entries carry command fields only: never a secret.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import type { RedisKeys } from "./redis-keys.ts";

export const auditEntrySchema = z.object({
  at: z.string(),
  user: z.string(),
  surface: z.string(),
  action: z.string(),
  customer: z.string().optional(),
  result: z.string(),
  jobId: z.string().optional(),
  approvalId: z.string().optional(),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLength = 100_000,
    private readonly perCustomerLength = 1_000,
  ) {}

  async record(entry: Omit<AuditEntry, "at"> & { at?: string }): Promise<void> {
    const full: AuditEntry = { ...entry, at: entry.at ?? new Date().toISOString() };
    const fields = Object.entries(full).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v).slice(0, 500)]));
    const multi = this.redis.multi().xadd(this.keys.audit(), "MAXLEN", "~", String(this.maxLength), "*", ...fields);
    if (full.customer) multi.xadd(this.keys.customerAudit(full.customer), "MAXLEN", "~", String(this.perCustomerLength), "*", ...fields);
    await multi.exec();
  }

  /** Newest first. */
  async read(customer?: string, count = 20): Promise<AuditEntry[]> {
    const key = customer ? this.keys.customerAudit(customer) : this.keys.audit();
    const rows = await this.redis.xrevrange(key, "+", "-", "COUNT", count);
    return rows.flatMap(([, flat]) => {
      const obj: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i]!] = flat[i + 1]!;
      const parsed = auditEntrySchema.safeParse(obj);
      return parsed.success ? [parsed.data] : [];
    });
  }
}
