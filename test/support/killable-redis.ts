// A redis-server a test starts, kills (SIGKILL) and starts again on its own port, with its data kept on disk (AOF, fsync always).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisAnswers } from "../../src/start-private-redis.ts";
import { pickFreePort } from "./pick-free-port.ts";

export interface KillableRedis {
  url: string;
  port: number;
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data. */
  dispose(): Promise<void>;
}

export async function startKillableRedis(): Promise<KillableRedis> {
  const port = await pickFreePort();
  const dir = mkdtempSync(join(tmpdir(), "qoem-killable-redis-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""], { stdio: "ignore" });
    const until = Date.now() + 10_000;
    while (!(await redisAnswers("127.0.0.1", port, 200))) {
      if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    // Already gone (it exited, or a kill before this one ended it): nothing to wait for.
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
