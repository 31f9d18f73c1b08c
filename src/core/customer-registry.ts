/**
 * The customer registry in Redis: customer -> deployment kind, region or site, tenant id,
 * hostname, status, who asked and when. One hash per customer, plus a sorted set of names for
 * listing. Values read back are validated, so a hand-edited key cannot crash a reader.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { customerStatuses } from "./customer-status.ts";
import type { Target } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";

export const customerRecordSchema = z.object({
  customer: z.string(),
  kind: z.enum(["cloud", "client-managed"]),
  region: z.string().optional(),
  site: z.string().optional(),
  tenantId: z.string().optional(),
  tenantHost: z.string().optional(),
  hostname: z.string().optional(),
  status: z.enum(customerStatuses),
  requestedBy: z.string(),
  requestedAt: z.string(),
  updatedAt: z.string(),
  lastJobId: z.string().optional(),
  lastError: z.string().optional(),
  purgeDate: z.string().optional(),
});
export type CustomerRecord = z.infer<typeof customerRecordSchema>;
export type CustomerStatus = CustomerRecord["status"];

export function targetOf(record: CustomerRecord): Target {
  return record.kind === "cloud" ? { kind: "cloud", region: record.region ?? "" } : { kind: "client-managed", site: record.site ?? "" };
}

export const whereOf = (t: Target) => (t.kind === "cloud" ? t.region : t.site);

export class CustomerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(customer: string): Promise<CustomerRecord | undefined> {
    const raw = await this.redis.hgetall(this.keys.customer(customer));
    if (Object.keys(raw).length === 0) return undefined;
    const parsed = customerRecordSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /** Creates the record when absent; `requestedBy`/`requestedAt` are kept from the first write. */
  async begin(customer: string, target: Target, requestedBy: string, status: CustomerStatus, jobId: string): Promise<void> {
    const now = new Date().toISOString();
    const key = this.keys.customer(customer);
    const fields: Record<string, string> = { customer, kind: target.kind, status, updatedAt: now, lastJobId: jobId };
    if (target.kind === "cloud") fields.region = target.region;
    else fields.site = target.site;
    await this.redis
      .multi()
      .hsetnx(key, "requestedBy", requestedBy)
      .hsetnx(key, "requestedAt", now)
      .hset(key, fields)
      .hdel(key, "lastError")
      .zadd(this.keys.customers(), 0, customer)
      .zadd(this.keys.customersAt(whereOf(target)), 0, customer)
      .exec();
  }

  async update(customer: string, fields: Partial<Omit<CustomerRecord, "customer">>): Promise<void> {
    const clean: Record<string, string> = { updatedAt: new Date().toISOString() };
    for (const [k, v] of Object.entries(fields)) if (typeof v === "string") clean[k] = v;
    await this.redis.hset(this.keys.customer(customer), clean);
  }

  async list(filter: { where?: string; status?: CustomerStatus } = {}): Promise<CustomerRecord[]> {
    const names = await this.redis.zrange(filter.where ? this.keys.customersAt(filter.where) : this.keys.customers(), "0", "-1");
    const out: CustomerRecord[] = [];
    for (let i = 0; i < names.length; i += 500) {
      const pipeline = this.redis.pipeline();
      for (const name of names.slice(i, i + 500)) pipeline.hgetall(this.keys.customer(name));
      for (const [, raw] of (await pipeline.exec()) ?? []) {
        const parsed = customerRecordSchema.safeParse(raw);
        if (!parsed.success) continue;
        const r = parsed.data;
        if (filter.status && r.status !== filter.status) continue;
        if (filter.where && r.region !== filter.where && r.site !== filter.where) continue;
        out.push(r);
      }
    }
    return out;
  }
}
