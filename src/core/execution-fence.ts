/**
 * One execution of an operation at a time, whatever Redis and BullMQ do. An execution holds two
 * things: BullMQ's lock on its job (a token per execution) and the customer's lock (whose value
 * carries a fencing token that grows with each execution). A fence is the list of those keys with
 * the values this execution put there; every write an execution makes (checkpoint, registry) and
 * every call it sends to Qlik (through the rate gate) first checks, atomically in Lua, that the
 * fence still holds. An execution whose fence broke stops with `superseded` before its next step.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Redis } from "ioredis";
import { QoemError } from "../../adapters/port.ts";
import { evalScript } from "./eval-script.ts";

export interface Fence {
  /** Keys that must hold exactly the matching value. */
  checks: Array<{ key: string; value: string }>;
  /** Aborted once the execution learns it lost one of them (a failed lock renewal). */
  signal?: AbortSignal;
}

/** The fence of the execution running on this async path; read by the rate gate before each Qlik call. */
export const currentFence = new AsyncLocalStorage<Fence>();

export const superseded = (why: string) => new QoemError("superseded", `this execution was superseded: ${why}`);

// KEYS: fence keys. ARGV: their values. 1 when every key holds its value.
const holdsScript = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[i] then return 0 end
end
return 1
`;

// KEYS: fence keys..., target hash, condition hashes... ARGV: n fence keys, fence values..., m conditions, (field, value) per
// condition, then field, value, ... HSET only while the fence holds (0 otherwise) and every condition hash field holds its
// value (2 otherwise).
const fencedHsetScript = `
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('GET', KEYS[i]) ~= ARGV[i + 1] then return 0 end
end
local m = tonumber(ARGV[n + 2])
for j = 1, m do
  if redis.call('HGET', KEYS[n + 1 + j], ARGV[n + 2 + 2 * j - 1]) ~= ARGV[n + 2 + 2 * j] then return 2 end
end
local fields = {}
for i = n + 3 + 2 * m, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[n + 1], unpack(fields)) end
return 1
`;

/** A hash field that must hold a value for a fenced write to go through (e.g. the customer still onboarding this job). */
export interface WriteCondition {
  key: string;
  field: string;
  value: string;
}

/** The customer moved on (abandoned, claimed elsewhere) while this execution worked: its writes no longer apply. */
export const movedOn = (what: string) => new QoemError("conflict", `the customer moved on while this operation ran (${what}); nothing more was written`);

export async function fenceHolds(redis: Redis, fence: Fence): Promise<boolean> {
  if (fence.signal?.aborted) return false;
  if (fence.checks.length === 0) return true;
  const ok = await evalScript(redis, holdsScript, fence.checks.length, ...fence.checks.map((c) => c.key), ...fence.checks.map((c) => c.value));
  return Number(ok) === 1;
}

export async function assertFence(redis: Redis, fence: Fence | undefined, what: string): Promise<void> {
  if (fence && !(await fenceHolds(redis, fence))) throw superseded(`another execution took over before ${what}`);
}

/**
 * HSET `fields` into `key` only while `fence` holds (else `superseded`) and every condition holds
 * (else a permanent "moved on" error). Without fence and conditions, a plain HSET.
 */
export async function fencedHset(redis: Redis, fence: Fence | undefined, key: string, fields: Record<string, string>, what: string, conditions: WriteCondition[] = []): Promise<void> {
  const flat = Object.entries(fields).flat();
  if (!fence && conditions.length === 0) {
    if (flat.length) await redis.hset(key, ...flat);
    return;
  }
  if (fence?.signal?.aborted) throw superseded(`the customer's lock was lost before ${what}`);
  const checks = fence?.checks ?? [];
  const n = checks.length;
  const ok = Number(
    await evalScript(redis, 
      fencedHsetScript,
      n + 1 + conditions.length,
      ...checks.map((c) => c.key),
      key,
      ...conditions.map((c) => c.key),
      String(n),
      ...checks.map((c) => c.value),
      String(conditions.length),
      ...conditions.flatMap((c) => [c.field, c.value]),
      ...flat,
    ),
  );
  if (ok === 0) throw superseded(`another execution took over before ${what}`);
  if (ok === 2) throw movedOn(what);
}
