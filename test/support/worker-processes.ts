// qoem worker processes of their own (roles worker, tsx), spawned against one emulator and one Redis prefix, for tests that kill one mid-operation.
import { fileURLToPath } from "node:url";
import { envWithout, spawnProcess, type SpawnedProcess } from "./spawn-process.ts";
import { REDIS_URL } from "./redis-prefix.ts";

const processScript = fileURLToPath(new URL("./run-qoem-process.ts", import.meta.url));

export interface WorkerProcesses {
  /** A worker on `prefix` against the emulator at `emulatorUrl`, with short job locks so a killed one's job is taken over within seconds. */
  start(prefix: string, emulatorUrl: string): SpawnedProcess;
  /** Stops every worker still running and waits for each to exit. */
  stopAll(): Promise<void>;
}

export function workerProcesses(): WorkerProcesses {
  const spawned: SpawnedProcess[] = [];
  return {
    start(prefix, emulatorUrl) {
      const env = { ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_EMULATORS", "QOEM_CONFIG", "PORT", "QOEM_OPS_PORT", "QOEM_API_PORT"), REDIS_URL, QOEM_PREFIX: prefix, QOEM_ROLES: "worker", QOEM_EMULATOR_URL: emulatorUrl, LOG_LEVEL: "warn" };
      const p = spawnProcess(["--import", "tsx", processScript, JSON.stringify({ lockDurationMs: 4000, stalledIntervalMs: 1000 })], env);
      spawned.push(p);
      return p;
    },
    async stopAll() {
      for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
      await Promise.all(spawned.map((p) => p.exited));
    },
  };
}
