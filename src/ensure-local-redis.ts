// Local mode's Redis: where nothing answers at a loopback REDIS_URL, a private redis-server for the session.
import { findOnPath, isLoopback, somethingListens, startPrivateRedis, type PrivateRedis } from "./start-private-redis.ts";

export class RedisServerMissing extends Error {
  override name = "RedisServerMissing";
}

/**
 * Returns the private server it started, or undefined when there is nothing to start: something
 * already listens there, or the address is not this machine's (or is TLS), where a missing Redis
 * stays the error it is. Only local mode calls this; Slack mode never starts a Redis of its own.
 */
export async function ensureLocalRedis(redisUrl: string, path: string | undefined): Promise<PrivateRedis | undefined> {
  const url = new URL(redisUrl);
  if (url.protocol !== "redis:" || !isLoopback(url.hostname)) return undefined;
  const port = url.port ? Number(url.port) : 6379;
  if (await somethingListens(url.hostname, port)) return undefined;
  const binary = findOnPath("redis-server", path);
  if (!binary) {
    throw new RedisServerMissing(
      `no Redis answers at ${url.hostname}:${port} and no redis-server is on PATH to start one: install it (apt-get install redis-server, or brew install redis) or run one (docker run -d -p ${url.hostname === "localhost" ? "127.0.0.1" : url.hostname}:${port}:6379 redis:7-alpine), or set REDIS_URL`,
    );
  }
  return startPrivateRedis({
    host: url.hostname,
    port,
    binary,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  });
}
