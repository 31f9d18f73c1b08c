// Bounds a chat surface's Redis work: refused at once while Redis is known to be away, else given a few seconds, so a command never hangs behind a lost connection.
import { RedisUnavailable, type RedisAvailability } from "../queue/track-redis-state.ts";

/** Under the 5 s within which every command is answered. */
export const REDIS_DEADLINE_MS = 4000;

/**
 * Runs `work` unless Redis is known to be away; throws RedisUnavailable when it has not finished in
 * `ms`. Work cut short this way may still take effect once Redis is back (its commands wait in the
 * connection's queue): every command is safe to repeat (onboards join, approvals are decided once).
 */
export async function withinRedisDeadline<T>(redis: RedisAvailability | undefined, work: () => Promise<T>, ms = REDIS_DEADLINE_MS): Promise<T> {
  if (redis && !redis.available) throw new RedisUnavailable();
  const running = work();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Whatever it ends with later, nobody waits for it any more.
      running.catch(() => undefined);
      reject(new RedisUnavailable());
    }, ms);
  });
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
