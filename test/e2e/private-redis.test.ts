// Local mode brings its own Redis where none runs on this machine; Slack mode never does; nothing is left behind.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { redisAnswers } from "../../src/start-private-redis.ts";
import { findRedisServers } from "../support/find-redis-servers.ts";
import { pickFreePort } from "../support/pick-free-port.ts";
import { envWithout, qoemBin, spawnProcess, type SpawnedProcess } from "../support/spawn-process.ts";

const noticeLine = /^qoem: no Redis was running at 127\.0\.0\.1:(\d+), so a private redis-server serves this session there \(data in (\S+), not kept; stopped with qoem\)$/m;
const spawned: SpawnedProcess[] = [];
const emptyDirs: string[] = [];

afterEach(async () => {
  for (const p of spawned.splice(0)) {
    p.child.kill("SIGKILL");
    await p.exited;
  }
  for (const dir of emptyDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function qoem(args: string[], env: Record<string, string>): SpawnedProcess {
  const p = spawnProcess([qoemBin, ...args], { ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_CONFIG", "LOG_LEVEL"), ...env });
  spawned.push(p);
  return p;
}

/** Nothing answers on the port, no redis-server (or its guard) remains, and its directory is gone. */
async function expectNothingLeft(port: number, dir: string) {
  expect(await redisAnswers("127.0.0.1", port)).toBe(false);
  expect(await findRedisServers(port, dir)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
}

describe("local mode without a running Redis", () => {
  it("qoem run starts a private redis-server at REDIS_URL, runs the command on it, and stops it", async () => {
    const port = await pickFreePort();
    const run = qoem(["run", "onboard acme eu"], { REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/acme is onboarded on eu/);
    const notices = run.stderr().split("\n").filter((l) => l.includes("redis-server"));
    expect(notices).toHaveLength(1);
    const [, noticedPort, dir] = notices[0]!.match(noticeLine) ?? [];
    expect(noticedPort).toBe(String(port));
    await expectNothingLeft(port, dir!);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("the local shell's private redis-server answers while it runs and is gone after %s", async (signal) => {
    const port = await pickFreePort();
    const shell = qoem(["start"], { REDIS_URL: `redis://127.0.0.1:${port}` });
    const [, , dir] = await shell.waitFor(noticeLine);
    expect(await redisAnswers("127.0.0.1", port)).toBe(true);
    expect(await findRedisServers(port, dir)).not.toEqual([]);
    shell.child.stdin?.write("onboard acme eu\n");
    await shell.waitFor(/acme is onboarded on eu/);
    shell.child.kill(signal);
    expect(await shell.exited).toBe(0);
    await expectNothingLeft(port, dir!);
  });

  it("the private redis-server does not outlive a qoem that is killed outright", async () => {
    const port = await pickFreePort();
    const shell = qoem(["start"], { REDIS_URL: `redis://127.0.0.1:${port}` });
    const [, , dir] = await shell.waitFor(noticeLine);
    expect(await redisAnswers("127.0.0.1", port)).toBe(true);
    shell.child.kill("SIGKILL");
    expect(await shell.exited).toBe("SIGKILL");
    // The server's guard sees qoem's end of the pipe close, stops the server and removes its directory.
    await vi.waitFor(async () => expect(await findRedisServers(port, dir)).toEqual([]), { timeout: 20_000, interval: 100 });
    await expectNothingLeft(port, dir!);
  });

  it.each([["run", "help"], ["start"]])("qoem %s without redis-server on PATH says how to get one and exits non-zero", async (...args) => {
    const port = await pickFreePort();
    const emptyDir = mkdtempSync(join(tmpdir(), "qoem-no-redis-"));
    emptyDirs.push(emptyDir);
    const p = qoem(args, { REDIS_URL: `redis://127.0.0.1:${port}`, PATH: emptyDir });
    expect(await p.exited).toBe(1);
    const lines = p.stderr().split("\n").filter(Boolean);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^qoem: no Redis answers at 127\\.0\\.0\\.1:${port} and no redis-server is on PATH.*apt-get install redis-server.*docker run`))]);
    expect(p.stdout()).toBe("");
    expect(await redisAnswers("127.0.0.1", port)).toBe(false);
  });
});

describe("Slack mode without a running Redis", () => {
  it.each([["start"], ["run", "help"]])("qoem %s starts no Redis of its own: a clear error instead", async (...args) => {
    const port = await pickFreePort();
    const p = qoem(args, { REDIS_URL: `redis://127.0.0.1:${port}`, SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "secret", PORT: "0", QOEM_EMULATORS: "1" });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(new RegExp(`qoem: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} .*start one \\(see the README\\) or set REDIS_URL`));
    expect(p.stderr()).not.toMatch(/private redis-server/);
    expect(await redisAnswers("127.0.0.1", port)).toBe(false);
    expect(await findRedisServers(port)).toEqual([]);
  });
});
