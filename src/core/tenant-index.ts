/**
 * A run's index of tenant id -> customers (or any short value naming one) in Redis, so that a fleet-wide reader (a sweep, `list`) can
 * join the registry with the organisation listing page by page without holding either in memory: the
 * registry's customers go in first, then each listing page takes the customers of its tenants out;
 * what is left at the end was not in the listing. One hash per run, expiring should the run die.
 */
import type { Redis } from "ioredis";
import { evalScript } from "./eval-script.ts";

// KEYS: the index. ARGV: ttl ms, then tenant id, value, ... Appends each value to its tenant's entry ("\n"-separated: two customers recorded with one tenant are both kept).
const addScript = `
for i = 2, #ARGV, 2 do
  local had = redis.call('HGET', KEYS[1], ARGV[i])
  redis.call('HSET', KEYS[1], ARGV[i], had and (had .. '\\n' .. ARGV[i + 1]) or ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
`;

// KEYS: the index. ARGV: tenant ids. Returns each one's values (false when absent) and removes them.
const takeScript = `
local out = {}
for i = 1, #ARGV do
  out[i] = redis.call('HGET', KEYS[1], ARGV[i]) or false
  if out[i] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return out
`;

export class TenantIndex {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs = 3_600_000,
  ) {}

  async add(entries: Array<{ tenantId: string; value: string }>): Promise<void> {
    if (entries.length === 0) return;
    await evalScript(this.redis, addScript, 1, this.key, String(this.ttlMs), ...entries.flatMap((e) => [e.tenantId, e.value]));
  }

  /** The values of these tenants, each tenant's taken out of the index (so a tenant is answered once). */
  async take(tenantIds: string[]): Promise<Array<{ tenantId: string; values: string[] }>> {
    if (tenantIds.length === 0) return [];
    const raw = (await evalScript(this.redis, takeScript, 1, this.key, ...tenantIds)) as Array<string | null>;
    return tenantIds.flatMap((tenantId, i) => (raw[i] ? [{ tenantId, values: raw[i]!.split("\n") }] : []));
  }

  /** What no listing page took, a page at a time, each entry exactly once (taken out as it is read). */
  async *leftovers(pageSize = 500): AsyncGenerator<Array<{ tenantId: string; values: string[] }>> {
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(this.key, cursor, "COUNT", pageSize);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      // HSCAN may repeat a field; taking it out makes the second sighting find nothing.
      const page = await this.take(ids);
      if (page.length) yield page;
    } while (cursor !== "0");
  }

  async drop(): Promise<void> {
    await this.redis.del(this.key);
  }
}
