// The suite's global setup: with nothing at REDIS_URL, each run gets a private redis-server of its own, gone at the end.
import { describe, expect, it } from "vitest";
import { redisAnswers } from "../../src/start-private-redis.ts";
import { findRedisServers } from "../support/find-redis-servers.ts";
import { pickFreePort } from "../support/pick-free-port.ts";
import { repoRoot, spawnProcess } from "../support/spawn-process.ts";

const vitestBin = `${repoRoot}node_modules/vitest/vitest.mjs`;
const notice = /^tests: no Redis answers at 127\.0\.0\.1:(\d+), so a private redis-server at 127\.0\.0\.1:(\d+) serves this run \(stopped at the end\)$/m;

describe("the test suite's Redis", () => {
  it("two runs side by side with a dead REDIS_URL each start, use and stop their own private server", async () => {
    const deadPort = await pickFreePort();
    const runs = [0, 1].map(() =>
      spawnProcess([vitestBin, "run", "--config", "test/support/provide-redis-project/vitest.config.ts"], { ...process.env, REDIS_URL: `redis://127.0.0.1:${deadPort}`, CI: "1" }),
    );
    const exits = await Promise.all(runs.map((r) => r.exited));
    expect(exits, runs.map((r) => r.stdout() + r.stderr()).join("\n")).toEqual([0, 0]);
    const ports = runs.map((r) => {
      const [, asked, started] = r.stderr().match(notice) ?? [];
      expect(asked).toBe(String(deadPort));
      expect(r.stdout()).toContain(`worker used redis://127.0.0.1:${started}`);
      return Number(started);
    });
    expect(ports[0]).not.toBe(ports[1]);
    for (const port of ports) {
      expect(await redisAnswers("127.0.0.1", port)).toBe(false);
      expect(await findRedisServers(port)).toEqual([]);
    }
    expect(await redisAnswers("127.0.0.1", deadPort)).toBe(false);
  });
});
