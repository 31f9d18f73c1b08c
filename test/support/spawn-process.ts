// Spawns a process for a test (the qoem executable, a nested vitest) and follows its output and exit.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const qoemBin = fileURLToPath(new URL("../../bin/qoem.js", import.meta.url));

export interface SpawnedProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

export function spawnProcess(args: string[], env: Record<string, string | undefined>): SpawnedProcess {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const watchers = new Set<() => void>();
  const notify = () => watchers.forEach((w) => w());
  child.stdout?.on("data", (c: Buffer) => ((out += c.toString("utf8")), notify()));
  child.stderr?.on("data", (c: Buffer) => ((err += c.toString("utf8")), notify()));
  const exited = new Promise<number | string>((resolve) => child.once("close", (code, signal) => resolve(code ?? signal ?? "unknown")));
  let hasExited = false;
  void exited.then(() => ((hasExited = true), notify()));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = (out + err).match(pattern);
        if (match) return done(() => resolve(match));
        if (hasExited) return done(() => reject(new Error(`exited before printing ${pattern}:\n${out}\n${err}`)));
      };
      const done = (settle: () => void) => {
        watchers.delete(check);
        settle();
      };
      watchers.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

/** The environment of this process without the given variables (child processes decide for themselves). */
export function envWithout(...names: string[]): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of names) delete env[name];
  return env;
}
