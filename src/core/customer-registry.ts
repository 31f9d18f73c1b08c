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
import { fencedHset, type Fence, type WriteCondition } from "./execution-fence.ts";

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
  /** The templates the customer was given ("|"-separated; empty: every configured template). */
  templates: z.string().optional(),
  features: z.string().optional(),
  /** Where the customer's data must stay (a country code or EU), when it was given. */
  residency: z.string().optional(),
  /** The version of each template the customer has, as a rollout left it: JSON { template: version }. */
  templateVersions: z.string().optional(),
  /** The request whose onboard last completed: a re-run of that same request (a stalled job) changes nothing. */
  completedRequestId: z.string().optional(),
});
export type CustomerRecord = z.infer<typeof customerRecordSchema>;
export type CustomerStatus = CustomerRecord["status"];

/** The template versions recorded for a customer (by rollouts). */
export function templateVersionsOf(r: CustomerRecord): Record<string, string> {
  try {
    const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(r.templateVersions ?? "{}"));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** The templates recorded for a customer (empty: all configured). */
export const templatesOf = (r: CustomerRecord): string[] => (r.templates ? r.templates.split("|").filter(Boolean) : []);

export type ClaimResult = { claimed: true; fresh: boolean } | { claimed: false; where: string; status: CustomerStatus; samePlace: boolean };

// KEYS: customer hash, customers zset, customers-at zset of the new place, customers-at zset of the place the record names now
// (read before the call; 'moved' when it no longer does). ARGV: customer, kind, where, placeField, requestedBy, now, jobId, templates,
// features, the record's current place as read, residency.
// Claims the customer's one environment atomically: free (no record, or removed) -> claimed here; same place -> kept; elsewhere -> refused.
const claimScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if status and status ~= 'removed' then
  local kind = redis.call('HGET', KEYS[1], 'kind')
  local field = kind == 'cloud' and 'region' or 'site'
  local where = redis.call('HGET', KEYS[1], field)
  if kind == ARGV[2] and where == ARGV[3] then
    if status == 'onboard-failed' or status == 'active' then
      redis.call('HSET', KEYS[1], 'status', 'onboarding', 'updatedAt', ARGV[6], 'lastJobId', ARGV[7], 'templates', ARGV[8], 'features', ARGV[9])
      if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'residency', ARGV[11]) end
      redis.call('HDEL', KEYS[1], 'lastError')
      return {'same', status}
    end
    if status == 'onboarding' then return {'same', status} end
    return {'busy', where or '', status}
  end
  return {'other', where or '', status}
end
local fresh = 1
if status == 'removed' then
  fresh = 0
  local oldKind = redis.call('HGET', KEYS[1], 'kind')
  local oldWhere = redis.call('HGET', KEYS[1], oldKind == 'cloud' and 'region' or 'site') or ''
  if oldWhere ~= ARGV[10] then return {'moved'} end
  if oldWhere ~= '' and oldWhere ~= ARGV[3] then redis.call('ZREM', KEYS[4], ARGV[1]) end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'customer', ARGV[1], 'kind', ARGV[2], ARGV[4], ARGV[3], 'status', 'onboarding', 'requestedBy', ARGV[5], 'requestedAt', ARGV[6], 'updatedAt', ARGV[6], 'lastJobId', ARGV[7], 'templates', ARGV[8], 'features', ARGV[9])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'residency', ARGV[11]) end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return {'claimed', tostring(fresh)}
`;

// KEYS: customer hash. ARGV: allowed statuses joined by ',', then field, value, ... Sets the fields only when the status is one of them.
const transitionScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return '' end
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == status then
    redis.call('HSET', KEYS[1], unpack(ARGV, 2))
    return 'ok'
  end
end
return status
`;

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

  /**
   * Claims the customer's environment at `target` when an onboard is accepted, before it is queued,
   * in one atomic step: a free customer is claimed here; the same place is kept (a failed or active
   * customer goes back to onboarding); a customer that lives elsewhere is refused with that place.
   */
  async claim(customer: string, target: Target, requestedBy: string, jobId: string, options: { templates: string[]; features: string[]; residency?: string }): Promise<ClaimResult> {
    const where = whereOf(target);
    const placeField = target.kind === "cloud" ? "region" : "site";
    const now = new Date().toISOString();
    // The place the record names now, so the script can drop it from that place's index (a key it must be given).
    const current = await this.get(customer);
    const oldWhere = current ? whereOf(targetOf(current)) : "";
    const out = (await this.redis.eval(claimScript, 4, this.keys.customer(customer), this.keys.customers(), this.keys.customersAt(where), this.keys.customersAt(oldWhere), customer, target.kind, where, placeField, requestedBy, now, jobId, options.templates.join("|"), options.features.join(","), oldWhere, options.residency ?? "")) as string[];
    if (out[0] === "moved") return this.claim(customer, target, requestedBy, jobId, options);
    if (out[0] === "claimed") return { claimed: true, fresh: out[1] === "1" };
    if (out[0] === "same") return { claimed: true, fresh: false };
    return { claimed: false, where: out[1] ?? "", status: customerRecordSchema.shape.status.catch("onboarding").parse(out[2]), samePlace: out[0] === "busy" };
  }

  /**
   * Moves a customer to new fields only while its status is one of `from` (atomic). Returns the status
   * it found when it did not (or undefined when the customer is unknown), so a caller can say why.
   */
  async transition(customer: string, from: readonly CustomerStatus[], fields: Partial<Omit<CustomerRecord, "customer">>): Promise<{ ok: true } | { ok: false; status?: CustomerStatus }> {
    const clean: string[] = ["updatedAt", new Date().toISOString()];
    for (const [k, v] of Object.entries(fields)) if (typeof v === "string") clean.push(k, v);
    const out = String(await this.redis.eval(transitionScript, 1, this.keys.customer(customer), from.join(","), ...clean));
    if (out === "ok") return { ok: true };
    const status = customerRecordSchema.shape.status.safeParse(out);
    return { ok: false, ...(status.success ? { status: status.data } : {}) };
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

  /**
   * Writes fields; with a fence, only while the writing execution still holds it (else `superseded`);
   * with `expect`, only while the record's fields still hold those values (else a "moved on" error).
   */
  async update(customer: string, fields: Partial<Omit<CustomerRecord, "customer">>, fence?: Fence, expect: Partial<Record<keyof CustomerRecord, string>> = {}): Promise<void> {
    const clean: Record<string, string> = { updatedAt: new Date().toISOString() };
    for (const [k, v] of Object.entries(fields)) if (typeof v === "string") clean[k] = v;
    await fencedHset(this.redis, fence, this.keys.customer(customer), clean, `updating ${customer}'s record`, this.conditions(customer, expect));
  }

  /** Conditions on a customer's record, for fenced writes elsewhere (its checkpoint). */
  conditions(customer: string, expect: Partial<Record<keyof CustomerRecord, string>>): WriteCondition[] {
    return Object.entries(expect).flatMap(([field, value]) => (typeof value === "string" ? [{ key: this.keys.customer(customer), field, value }] : []));
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
