/**
 * The customer registry in Redis: customer -> deployment kind, region, site or shared tenant, tenant id,
 * hostname, status, who asked and when. One hash per customer, plus a sorted set of names for
 * listing. Values read back are validated, so a hand-edited key cannot crash a reader.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { customerStatuses } from "./customer-status.ts";
import type { Target } from "../../adapters/port.ts";
import type { RedisKeys } from "./redis-keys.ts";
import { fencedHset, movedOn, superseded, type Fence, type WriteCondition } from "./execution-fence.ts";
import { evalScript } from "./eval-script.ts";

export const customerRecordSchema = z.object({
  customer: z.string(),
  kind: z.enum(["cloud", "client-managed", "shared"]),
  region: z.string().optional(),
  site: z.string().optional(),
  /** The shared tenant's name from the config, for a customer in one. */
  sharedTenant: z.string().optional(),
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
  /** "yes": the customer's users or data include personal data (so it may never be in a shared tenant). */
  personalData: z.string().optional(),
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

export type ClaimResult =
  | { claimed: true; fresh: boolean }
  | { claimed: false; where: string; status: CustomerStatus; samePlace: boolean }
  /** The place holds `used` customers already, its limit (a shared tenant's). */
  | { claimed: false; full: true; used: number };

/** The record field that names a customer's place, by deployment kind. */
export const placeFieldOf = (kind: CustomerRecord["kind"]) => (kind === "cloud" ? "region" : kind === "shared" ? "sharedTenant" : "site");

// KEYS: customer hash, customers zset, customers-at zset of the new place, customers-at zset of the place the record names now
// (read before the call; 'moved' when it no longer does). ARGV: customer, kind, where, placeField, requestedBy, now, jobId, templates,
// features, the record's current place as read, residency, the place's limit of customers (0: none), the customer hash key
// prefix, personal data ('yes' or '').
// Claims the customer's one environment atomically: free (no record, or removed) -> claimed here; same place -> kept; elsewhere -> refused;
// a place at its limit (a shared tenant holding its most customers) -> refused. Counting reads the other customers' hashes,
// which share the key prefix's hash tag (one Redis Cluster slot).
const claimScript = `
local function fieldOf(kind) if kind == 'cloud' then return 'region' elseif kind == 'shared' then return 'sharedTenant' end return 'site' end
local status = redis.call('HGET', KEYS[1], 'status')
if status and status ~= 'removed' then
  local kind = redis.call('HGET', KEYS[1], 'kind')
  local where = redis.call('HGET', KEYS[1], fieldOf(kind))
  if kind == ARGV[2] and where == ARGV[3] then
    if status == 'onboard-failed' or status == 'active' then
      redis.call('HSET', KEYS[1], 'status', 'onboarding', 'updatedAt', ARGV[6], 'lastJobId', ARGV[7], 'templates', ARGV[8], 'features', ARGV[9])
      if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'residency', ARGV[11]) end
      if ARGV[14] ~= '' then redis.call('HSET', KEYS[1], 'personalData', ARGV[14]) end
      redis.call('HDEL', KEYS[1], 'lastError')
      return {'same', status}
    end
    if status == 'onboarding' then return {'same', status} end
    return {'busy', where or '', status}
  end
  return {'other', where or '', status}
end
local limit = tonumber(ARGV[12])
if limit > 0 then
  local used = 0
  for _, other in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if other ~= ARGV[1] then
      local s = redis.call('HGET', ARGV[13] .. other, 'status')
      if s and s ~= 'removed' then used = used + 1 end
    end
  end
  if used >= limit then return {'full', tostring(used)} end
end
local fresh = 1
if status == 'removed' then
  fresh = 0
  local oldKind = redis.call('HGET', KEYS[1], 'kind')
  local oldWhere = redis.call('HGET', KEYS[1], fieldOf(oldKind)) or ''
  if oldWhere ~= ARGV[10] then return {'moved'} end
  if oldWhere ~= '' and oldWhere ~= ARGV[3] then redis.call('ZREM', KEYS[4], ARGV[1]) end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'customer', ARGV[1], 'kind', ARGV[2], ARGV[4], ARGV[3], 'status', 'onboarding', 'requestedBy', ARGV[5], 'requestedAt', ARGV[6], 'updatedAt', ARGV[6], 'lastJobId', ARGV[7], 'templates', ARGV[8], 'features', ARGV[9])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'residency', ARGV[11]) end
if ARGV[14] ~= '' then redis.call('HSET', KEYS[1], 'personalData', ARGV[14]) end
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

// KEYS: fence keys (n)..., customer hash, customers-at of the old place, customers-at of the new place. ARGV: n, fence values...,
// expected status, customer, kind, new place's field, new place, '1' to keep the customer in the old place's index, then
// field, value, ... (an empty value deletes the field).
// Points the record at another place (a move, or a move back) only while the fence holds (0) and the status is the expected one (2).
const relocateScript = `
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('GET', KEYS[i]) ~= ARGV[i + 1] then return 0 end
end
local h = KEYS[n + 1]
if redis.call('HGET', h, 'status') ~= ARGV[n + 2] then return 2 end
redis.call('HDEL', h, 'region', 'site', 'sharedTenant', 'tenantId', 'tenantHost', 'hostname', 'purgeDate')
redis.call('HSET', h, 'kind', ARGV[n + 4], ARGV[n + 5], ARGV[n + 6])
for i = n + 8, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', h, ARGV[i]) else redis.call('HSET', h, ARGV[i], ARGV[i + 1]) end
end
if ARGV[n + 7] ~= '1' then redis.call('ZREM', KEYS[n + 2], ARGV[n + 3]) end
redis.call('ZADD', KEYS[n + 3], 0, ARGV[n + 3])
return 1
`;

// KEYS: customer hash, customers-at of the place left. ARGV: customer, the place left.
// Drops the customer from a place's index once nothing of it is left there, unless the record points at that place (again).
const leaveScript = `
local kind = redis.call('HGET', KEYS[1], 'kind')
local field = 'site'
if kind == 'cloud' then field = 'region' elseif kind == 'shared' then field = 'sharedTenant' end
if kind and redis.call('HGET', KEYS[1], field) == ARGV[2] then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])
`;

export function targetOf(record: CustomerRecord): Target {
  if (record.kind === "cloud") return { kind: "cloud", region: record.region ?? "" };
  if (record.kind === "shared") return { kind: "shared", tenant: record.sharedTenant ?? "" };
  return { kind: "client-managed", site: record.site ?? "" };
}

export const whereOf = (t: Target) => (t.kind === "cloud" ? t.region : t.kind === "shared" ? t.tenant : t.site);

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
   * customer goes back to onboarding); a customer that lives elsewhere is refused with that place;
   * a new customer of a place holding `limit` customers already is refused (`full`).
   */
  async claim(customer: string, target: Target, requestedBy: string, jobId: string, options: { templates: string[]; features: string[]; residency?: string; personalData?: boolean; limit?: number }): Promise<ClaimResult> {
    const where = whereOf(target);
    const placeField = placeFieldOf(target.kind);
    const now = new Date().toISOString();
    // The place the record names now, so the script can drop it from that place's index (a key it must be given).
    const current = await this.get(customer);
    const oldWhere = current ? whereOf(targetOf(current)) : "";
    const out = (await evalScript(this.redis, claimScript, 4, this.keys.customer(customer), this.keys.customers(), this.keys.customersAt(where), this.keys.customersAt(oldWhere), customer, target.kind, where, placeField, requestedBy, now, jobId, options.templates.join("|"), options.features.join(","), oldWhere, options.residency ?? "", String(options.limit ?? 0), this.keys.customer(""), options.personalData ? "yes" : "")) as string[];
    if (out[0] === "moved") return this.claim(customer, target, requestedBy, jobId, options);
    if (out[0] === "full") return { claimed: false, full: true, used: Number(out[1]) };
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
    const out = String(await evalScript(this.redis, transitionScript, 1, this.keys.customer(customer), from.join(","), ...clean));
    if (out === "ok") return { ok: true };
    const status = customerRecordSchema.shape.status.safeParse(out);
    return { ok: false, ...(status.success ? { status: status.data } : {}) };
  }

  /** Creates the record when absent; `requestedBy`/`requestedAt` are kept from the first write. */
  async begin(customer: string, target: Target, requestedBy: string, status: CustomerStatus, jobId: string): Promise<void> {
    const now = new Date().toISOString();
    const key = this.keys.customer(customer);
    const fields: Record<string, string> = { customer, kind: target.kind, status, updatedAt: now, lastJobId: jobId };
    fields[placeFieldOf(target.kind)] = whereOf(target);
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

  /**
   * Points the customer at another place in one atomic step (its kind, region, site or shared tenant, tenant and
   * hostname, and the per-place index), while the fence holds and the status is `expectStatus`: a move's switch
   * to its target, or a move back to its source. `keepOldPlace`: the customer stays in the old place's index (a
   * shared tenant's place stays taken while its source waits for removal; `leavePlace` gives it up).
   */
  async relocate(customer: string, to: Target, fields: { tenantId?: string; hostname?: string; status?: CustomerStatus; lastError?: string; templates?: string; features?: string }, expectStatus: CustomerStatus, fence?: Fence, options: { keepOldPlace?: boolean } = {}): Promise<void> {
    const current = await this.get(customer);
    const oldWhere = current ? whereOf(targetOf(current)) : "";
    const checks = fence?.checks ?? [];
    const flat = Object.entries({ updatedAt: new Date().toISOString(), tenantId: fields.tenantId ?? "", hostname: fields.hostname ?? "", ...(fields.status ? { status: fields.status } : {}), ...(fields.lastError !== undefined ? { lastError: fields.lastError } : {}), ...(fields.templates ? { templates: fields.templates } : {}), ...(fields.features ? { features: fields.features } : {}) }).flat();
    const out = Number(await evalScript(this.redis, relocateScript, checks.length + 3, ...checks.map((c) => c.key), this.keys.customer(customer), this.keys.customersAt(oldWhere), this.keys.customersAt(whereOf(to)), String(checks.length), ...checks.map((c) => c.value), expectStatus, customer, to.kind, placeFieldOf(to.kind), whereOf(to), options.keepOldPlace ? "1" : "0", ...flat));
    if (out === 0) throw superseded(`another execution took over before ${customer} was pointed at ${whereOf(to)}`);
    if (out === 2) throw movedOn(`${customer} is no longer ${expectStatus}`);
  }

  /**
   * Gives up the customer's place at `where` in that place's index (what counts a shared tenant's places), once
   * nothing of the customer is left there: a move's removed source. Kept when the record points at `where`.
   */
  async leavePlace(customer: string, where: string): Promise<void> {
    await evalScript(this.redis, leaveScript, 2, this.keys.customer(customer), this.keys.customersAt(where), customer, where);
  }

  /**
   * The customers holding a place at `where` (any status but removed): those that live there, and those moving
   * out whose source there is not removed yet (a move keeps its source's place until then; see `relocate`).
   */
  async holding(where: string): Promise<CustomerRecord[]> {
    const names = await this.redis.zrange(this.keys.customersAt(where), "0", "-1");
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hgetall(this.keys.customer(name));
    return ((await pipeline.exec()) ?? []).flatMap(([, raw]) => {
      const parsed = customerRecordSchema.safeParse(raw);
      if (!parsed.success || parsed.data.status === "removed") return [];
      // Indexed here yet pointed elsewhere: only a customer moving out, until its source's removal, still holds the place.
      return whereOf(targetOf(parsed.data)) === where || parsed.data.status === "moving" || parsed.data.status === "move-failed" ? [parsed.data] : [];
    });
  }

  /** Conditions on a customer's record, for fenced writes elsewhere (its checkpoint). */
  conditions(customer: string, expect: Partial<Record<keyof CustomerRecord, string>>): WriteCondition[] {
    return Object.entries(expect).flatMap(([field, value]) => (typeof value === "string" ? [{ key: this.keys.customer(customer), field, value }] : []));
  }

  /** Every customer name, for "did you mean" (names only: no record is read). */
  async names(): Promise<string[]> {
    return this.redis.zrange(this.keys.customers(), "0", "-1");
  }

  /**
   * The customers, a page at a time in name order, read only as the caller asks for the next page: a
   * registry of any size in bounded memory. The cursor is the last name read (not an offset), so every
   * customer present for the whole scan is seen exactly once, whatever is added or removed meanwhile.
   * `startAfter` resumes after a name a previous scan ended on (a "Next page" button carries it).
   */
  async *scan(filter: { where?: string; status?: CustomerStatus } = {}, pageSize = 500, startAfter?: string): AsyncGenerator<CustomerRecord[]> {
    const index = filter.where ? this.keys.customersAt(filter.where) : this.keys.customers();
    for (let after = startAfter ? `(${startAfter}` : "-"; ; ) {
      const names = await this.redis.zrangebylex(index, after, "+", "LIMIT", 0, pageSize);
      if (names.length === 0) return;
      after = `(${names[names.length - 1]}`;
      const pipeline = this.redis.pipeline();
      for (const name of names) pipeline.hgetall(this.keys.customer(name));
      const page: CustomerRecord[] = [];
      for (const [, raw] of (await pipeline.exec()) ?? []) {
        const parsed = customerRecordSchema.safeParse(raw);
        if (!parsed.success) continue;
        const r = parsed.data;
        if (filter.status && r.status !== filter.status) continue;
        if (filter.where && whereOf(targetOf(r)) !== filter.where) continue;
        page.push(r);
      }
      if (page.length) yield page;
      if (names.length < pageSize) return;
    }
  }

  /** Every matching customer at once: for small registries and tests; fleet-wide readers use `scan`. */
  async list(filter: { where?: string; status?: CustomerStatus } = {}): Promise<CustomerRecord[]> {
    const out: CustomerRecord[] = [];
    for await (const page of this.scan(filter)) out.push(...page);
    return out;
  }
}
