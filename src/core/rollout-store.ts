/**
 * Template rollouts in Redis: the rollout (its template, scope, waves, status), the one live rollout
 * of each template, and every customer's state in it. Each change is one Lua call: a rollout is
 * created only where its template has no live one; a customer moves from one state to the next only
 * from the state its caller read and only while the caller's fence holds, with the per-state counts
 * changed in the same step, so a worker killed mid-rollout leaves nothing half-written and its
 * successor knows exactly what went out.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.ts";
import { superseded, type Fence } from "./execution-fence.ts";
import { customerDetailSchema, customerStates, endedRolloutStatuses, failedStates, rolloutSchema, type CustomerDetail, type CustomerState, type Rollout, type RolloutScope, type RolloutStatus } from "./rollout-records.ts";

const newId = () => `ro${[...randomBytes(8)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("")}`;

// KEYS: rollout hash, live-rollout key, states, counts, then one list per wave. ARGV: id, ended statuses (','), nWaves,
// then field/value pairs of the rollout up to '--', then per wave its size followed by its customers.
// Creates the rollout unless its template has a live one ('live:<id>'); a rollout that ended frees its template.
const createScript = `
local live = redis.call('GET', KEYS[2])
if live then
  local status = redis.call('HGET', '{{ROLLOUT_PREFIX}}' .. live, 'status')
  local ended = false
  for s in string.gmatch(ARGV[2], '[^,]+') do if s == status then ended = true end end
  if status and not ended then return 'live:' .. live end
end
redis.call('SET', KEYS[2], ARGV[1])
local i = 4
local fields = {}
while ARGV[i] ~= '--' do fields[#fields + 1] = ARGV[i]; i = i + 1 end
redis.call('HSET', KEYS[1], unpack(fields))
i = i + 1
local n = 0
for w = 1, tonumber(ARGV[3]) do
  local size = tonumber(ARGV[i]); i = i + 1
  for c = 1, size do
    redis.call('RPUSH', KEYS[4 + w], ARGV[i])
    redis.call('HSET', KEYS[3], ARGV[i], 'pending')
    i = i + 1
    n = n + 1
  end
end
redis.call('HSET', KEYS[4], 'pending', n)
return 'created'
`;

/**
 * The Lua that stops a script unless every fence key still holds its value: `n` (ARGV[countArg]) fence keys
 * follow the script's first `keysBefore` keys, their values follow ARGV[countArg]. Answers '!fence' when one broke.
 */
const fenceHolds = (keysBefore: number, countArg: number) => `local n = tonumber(ARGV[${countArg}])
for i = 1, n do
  if redis.call('GET', KEYS[${keysBefore} + i]) ~= ARGV[${countArg} + i] then return '!fence' end
end`;

// KEYS: rollout hash, then fence keys. ARGV: allowed statuses (','), n fence keys, fence values..., then field/value pairs.
// Sets the fields only while the status is an allowed one and the fence holds; answers the status found ('!fence' when it broke).
const statusScript = `
${fenceHolds(1, 2)}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return '' end
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == status then
    redis.call('HSET', KEYS[1], unpack(ARGV, 3 + n))
    return 'ok'
  end
end
return status
`;

// KEYS: states, details, counts, kept set, then fence keys. ARGV: customer, allowed states (','), new state, detail JSON ('' keeps it),
// '1' when the customer's previous app is now kept until the rollout ends ('' otherwise), n, fence values...
const moveScript = `
${fenceHolds(4, 6)}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return '' end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == current then allowed = true end end
if not allowed then return current end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
if ARGV[5] == '1' then redis.call('SADD', KEYS[4], ARGV[1]) end
redis.call('HINCRBY', KEYS[3], current, -1)
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return 'ok'
`;

// KEYS: kept set, kept-left hash, then fence keys. ARGV: customer, why it was left ('' when removed), n, fence values...
// The customer's kept app was removed (or could not be): it leaves the set, and a reason is kept for one left behind.
const keptDoneScript = `
${fenceHolds(2, 3)}
redis.call('SREM', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 'ok'
`;

// KEYS: live-rollout key. ARGV: id. Frees the template when this rollout is its live one.
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface NewRollout {
  template: string;
  scope: RolloutScope;
  canary: number;
  thresholdPct: number;
  requestedBy: string;
  requestedSurface: string;
  waves: string[][];
}

export class RolloutStore {
  private readonly create$: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.create$ = createScript.replace("{{ROLLOUT_PREFIX}}", keys.rollout(""));
  }

  async get(id: string): Promise<Rollout | undefined> {
    const raw = await this.redis.hgetall(this.keys.rollout(id));
    if (Object.keys(raw).length === 0) return undefined;
    const parsed = rolloutSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /** The template's live rollout, if any. */
  async liveOf(template: string): Promise<Rollout | undefined> {
    const id = await this.redis.get(this.keys.rolloutOf(template));
    const rollout = id ? await this.get(id) : undefined;
    return rollout && !endedRolloutStatuses.includes(rollout.status) ? rollout : undefined;
  }

  /** A new rollout in status `requested`, or the template's live one. */
  async create(input: NewRollout): Promise<{ created: true; rollout: Rollout } | { created: false; live: string }> {
    const id = newId();
    const waves = input.waves.filter((w) => w.length > 0);
    const total = waves.reduce((n, w) => n + w.length, 0);
    const fields: Record<string, string> = {
      id,
      template: input.template,
      scope: JSON.stringify(input.scope),
      canary: String(input.canary),
      thresholdPct: String(input.thresholdPct),
      status: "requested",
      waveSizes: JSON.stringify(waves.map((w) => w.length)),
      total: String(total),
      currentWave: "0",
      acceptedWave: "-1",
      requestedBy: input.requestedBy,
      requestedSurface: input.requestedSurface,
      requestedAt: new Date().toISOString(),
    };
    const keys = [this.keys.rollout(id), this.keys.rolloutOf(input.template), this.keys.rolloutStates(id), this.keys.rolloutCounts(id), ...waves.map((_, w) => this.keys.rolloutWave(id, w))];
    const args = [id, endedRolloutStatuses.join(","), String(waves.length), ...Object.entries(fields).flat(), "--", ...waves.flatMap((w) => [String(w.length), ...w])];
    const out = String(await this.redis.eval(this.create$, keys.length, ...keys, ...args));
    if (out.startsWith("live:")) return { created: false, live: out.slice("live:".length) };
    return { created: true, rollout: (await this.get(id))! };
  }

  /**
   * Moves the rollout to `fields` (a new status among them) only from one of `from` and, with a
   * fence, only while it holds. Returns the status found when it did not.
   */
  async update(id: string, from: readonly RolloutStatus[], fields: Partial<Record<keyof Rollout, string>>, fence?: Fence): Promise<{ ok: true } | { ok: false; status?: string }> {
    const checks = fence?.checks ?? [];
    const flat = Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
    if (flat.length === 0) flat.push("id", id);
    const out = String(await this.redis.eval(statusScript, 1 + checks.length, this.keys.rollout(id), ...checks.map((c) => c.key), from.join(","), String(checks.length), ...checks.map((c) => c.value), ...flat));
    if (out === "!fence") throw superseded(`another execution took over rollout ${id}`);
    if (out === "ok") {
      if (fields.status && endedRolloutStatuses.includes(fields.status as RolloutStatus)) await this.release(id);
      return { ok: true };
    }
    return { ok: false, ...(out ? { status: out } : {}) };
  }

  /** Frees the template for another rollout (when this one is its live one). */
  async release(id: string): Promise<void> {
    const rollout = await this.get(id);
    if (rollout) await this.redis.eval(releaseScript, 1, this.keys.rolloutOf(rollout.template), id);
  }

  waveCustomers(id: string, wave: number): Promise<string[]> {
    return this.redis.lrange(this.keys.rolloutWave(id, wave), 0, -1);
  }

  async states(id: string, customers: string[]): Promise<Map<string, CustomerState>> {
    const out = new Map<string, CustomerState>();
    for (let i = 0; i < customers.length; i += 1000) {
      const slice = customers.slice(i, i + 1000);
      const values = await this.redis.hmget(this.keys.rolloutStates(id), ...slice);
      slice.forEach((c, j) => {
        const s = (customerStates as readonly string[]).includes(values[j] ?? "") ? (values[j] as CustomerState) : undefined;
        if (s) out.set(c, s);
      });
    }
    return out;
  }

  async detail(id: string, customer: string): Promise<CustomerDetail> {
    const raw = await this.redis.hget(this.keys.rolloutDetails(id), customer);
    if (!raw) return {};
    try {
      return customerDetailSchema.parse(JSON.parse(raw));
    } catch {
      return {};
    }
  }

  /** Customers per state across the whole rollout. */
  async counts(id: string): Promise<Partial<Record<CustomerState, number>>> {
    const raw = await this.redis.hgetall(this.keys.rolloutCounts(id));
    const out: Partial<Record<CustomerState, number>> = {};
    for (const [k, v] of Object.entries(raw)) if ((customerStates as readonly string[]).includes(k) && Number(v) > 0) out[k as CustomerState] = Number(v);
    return out;
  }

  /** Customers whose update failed or was rolled back, with why (at most `limit`). */
  async failures(id: string, limit = 50): Promise<Array<{ customer: string; state: CustomerState; reason: string }>> {
    const states = await this.redis.hgetall(this.keys.rolloutStates(id));
    const failed = Object.entries(states).filter(([, s]) => (failedStates as readonly string[]).includes(s)).slice(0, limit);
    if (failed.length === 0) return [];
    const details = await this.redis.hmget(this.keys.rolloutDetails(id), ...failed.map(([c]) => c));
    return failed.map(([customer, state], i) => {
      let reason = "";
      try {
        reason = customerDetailSchema.parse(JSON.parse(details[i] ?? "{}")).reason ?? "";
      } catch {
        reason = "";
      }
      return { customer, state: state as CustomerState, reason };
    });
  }

  /**
   * Moves one customer from one of `from` to `to`, writing its detail, while `fence` holds (else
   * `superseded`). Returns the state found when the customer was not in `from`. `keepUntilEnd`: the
   * customer's previous app is kept until the rollout ends, recorded in the same step (see keptApps).
   */
  async move(id: string, customer: string, from: readonly CustomerState[], to: CustomerState, detail: CustomerDetail | undefined, fence?: Fence, options: { keepUntilEnd?: boolean } = {}): Promise<{ ok: true } | { ok: false; state: string }> {
    const checks = fence?.checks ?? [];
    const out = String(
      await this.redis.eval(
        moveScript,
        4 + checks.length,
        this.keys.rolloutStates(id),
        this.keys.rolloutDetails(id),
        this.keys.rolloutCounts(id),
        this.keys.rolloutKept(id),
        ...checks.map((c) => c.key),
        customer,
        from.join(","),
        to,
        detail ? JSON.stringify({ ...detail, at: new Date().toISOString() }) : "",
        options.keepUntilEnd ? "1" : "",
        String(checks.length),
        ...checks.map((c) => c.value),
      ),
    );
    if (out === "!fence") throw superseded(`another execution took over ${customer}'s update`);
    return out === "ok" ? { ok: true } : { ok: false, state: out };
  }

  /** Customers whose previous app is kept until the rollout ends and not yet removed. */
  keptApps(id: string): Promise<string[]> {
    return this.redis.smembers(this.keys.rolloutKept(id));
  }

  keptCount(id: string): Promise<number> {
    return this.redis.scard(this.keys.rolloutKept(id));
  }

  /** The customer's kept app was removed, or (with `left`, why) could not be: either way it is no longer to do. */
  async keptDone(id: string, customer: string, left: string | undefined, fence?: Fence): Promise<void> {
    const checks = fence?.checks ?? [];
    const out = String(await this.redis.eval(keptDoneScript, 2 + checks.length, this.keys.rolloutKept(id), this.keys.rolloutKeptLeft(id), ...checks.map((c) => c.key), customer, left ?? "", String(checks.length), ...checks.map((c) => c.value)));
    if (out === "!fence") throw superseded(`another execution took over rollout ${id}`);
  }

  /** Kept apps that could not be removed when the rollout ended, with why (at most `limit`). */
  async keptLeft(id: string, limit = 50): Promise<Array<{ customer: string; reason: string }>> {
    const raw = await this.redis.hgetall(this.keys.rolloutKeptLeft(id));
    return Object.entries(raw).slice(0, limit).map(([customer, reason]) => ({ customer, reason }));
  }
}
