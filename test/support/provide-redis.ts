// Vitest global setup: the suite's Redis is the one at REDIS_URL, or else a private server on a free port for this run.
import type { TestProject } from "vitest/node";
import { pickFreePort } from "./pick-free-port.ts";
import { findOnPath, redisAnswers, startPrivateRedis, type PrivateRedis } from "../../src/start-private-redis.ts";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

async function startOnFreePort(binary: string): Promise<PrivateRedis> {
  // Another process may take the port between the probe and the server's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await pickFreePort();
    try {
      return await startPrivateRedis({ host: "127.0.0.1", port, binary });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

export default async function provideRedis(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const url = new URL(configured);
  if (await redisAnswers(url.hostname, url.port ? Number(url.port) : 6379)) {
    project.provide("redisUrl", configured);
    return async () => undefined;
  }
  const binary = findOnPath("redis-server", process.env.PATH);
  if (!binary) {
    throw new Error(
      `no Redis answers at ${url.host} (REDIS_URL) and no redis-server is on PATH to start a private one for the tests: install it (apt-get install redis-server, or brew install redis) or start a Redis and set REDIS_URL`,
    );
  }
  const redis = await startOnFreePort(binary);
  process.stderr.write(`tests: no Redis answers at ${url.host}, so a private redis-server at ${redis.address} serves this run (stopped at the end)\n`);
  project.provide("redisUrl", redis.url);
  return () => redis.stop();
}
