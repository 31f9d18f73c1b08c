/**
 * Idempotency keys of the provisioning API: the first request with a key is remembered with a hash
 * of its body and the answer it got, so the same request repeated with the same key gets the same
 * answer (never a second operation); the same key with another body is refused. Decided in Redis
 * (SET NX), so it holds across processes.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.ts";
import { evalScript } from "./eval-script.ts";

export interface RememberedAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type IdempotencyClaim =
  | { state: "new"; finish(answer: RememberedAnswer): Promise<void>; abandon(): Promise<void> }
  | { state: "replay"; answer: RememberedAnswer }
  | { state: "in-progress" }
  | { state: "mismatch" };

const KEEP_SECONDS = 24 * 3600;

export class IdempotentRequests {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async claim(scope: string, key: string, body: unknown): Promise<IdempotencyClaim> {
    const redisKey = this.keys.idempotency(scope, createHash("sha256").update(key).digest("hex").slice(0, 32));
    const hash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    const pending = JSON.stringify({ hash, pending: true });
    if ((await this.redis.set(redisKey, pending, "EX", 60, "NX")) === "OK") {
      return {
        state: "new",
        finish: async (answer) => void (await this.redis.set(redisKey, JSON.stringify({ hash, answer }), "EX", KEEP_SECONDS)),
        abandon: async () => void (await evalScript(this.redis, `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, redisKey, pending)),
      };
    }
    const raw = await this.redis.get(redisKey);
    if (!raw) return this.claim(scope, key, body);
    const seen = JSON.parse(raw) as { hash: string; pending?: boolean; answer?: RememberedAnswer };
    if (seen.hash !== hash) return { state: "mismatch" };
    if (seen.pending || !seen.answer) return { state: "in-progress" };
    return { state: "replay", answer: seen.answer };
  }
}
