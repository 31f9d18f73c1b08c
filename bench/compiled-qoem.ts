/**
 * qoem as the measured process of a benchmark: compiled JavaScript (dist/, no tsx), started as a
 * process of its own (bench/start-compiled-qoem.js), its memory read from /proc: resident now and
 * the high-water mark (VmHWM), which can be reset between phases so each phase has its own peak.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { envWithout, repoRoot, spawnProcess, type SpawnedProcess } from "../test/support/spawn-process.ts";

let built = false;
/** `npm run build`, once per benchmark process. */
export function buildDist(): void {
  if (built) return;
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: repoRoot, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
  built = true;
}

/** A process's resident memory now and at its peak, in MB (Linux: /proc/<pid>/status). */
export function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssMB: Math.round(kb("VmRSS") / 1024), peakMB: Math.round(kb("VmHWM") / 1024) };
}

export interface CompiledQoem {
  process: SpawnedProcess;
  pid: number;
  memory(): { rssMB: number; peakMB: number };
  /** Starts a new high-water mark from the memory resident now (Linux: clear_refs 5). */
  resetPeak(): void;
  stop(): Promise<void>;
}

/** Starts compiled qoem with these roles on the emulator at `emulatorUrl`, its rate gate set to `gate`. */
export async function startCompiledQoem(options: { redisUrl: string; prefix: string; emulatorUrl: string; roles: string; gate: object; env?: Record<string, string> }): Promise<CompiledQoem> {
  buildDist();
  // BENCH_PROFILE_DIR=<dir>: a CPU profile of the measured process, written there when it stops;
  // BENCH_NODE_FLAGS: more node flags for it (a heap snapshot on a signal, GC tracing).
  const profile = [...(process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])];
  const child = spawnProcess([...profile, fileURLToPath(new URL("./start-compiled-qoem.js", import.meta.url))], {
    ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_CONFIG", "QOEM_EMULATORS", "QOEM_OPS_PORT", "QOEM_API_PORT"),
    NODE_ENV: "production",
    REDIS_URL: options.redisUrl,
    QOEM_PREFIX: options.prefix,
    QOEM_EMULATOR_URL: options.emulatorUrl,
    QOEM_ROLES: options.roles,
    LOG_LEVEL: "warn",
    BENCH_RATE_LIMITS: JSON.stringify(options.gate),
    ...options.env,
  });
  await child.waitFor(/compiled qoem ready/);
  const pid = child.child.pid!;
  return {
    process: child,
    pid,
    memory: () => memoryOf(pid),
    resetPeak: () => writeFileSync(`/proc/${pid}/clear_refs`, "5"),
    async stop() {
      if (child.child.exitCode !== null) return;
      child.child.kill("SIGTERM");
      await child.exited;
    },
  };
}
