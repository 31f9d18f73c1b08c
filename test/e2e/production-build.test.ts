// `npm run build`'s compiled code (tsconfig.build.json) runs on its own: bin/qoem.js in production takes dist/, and an onboard goes through it end to end.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";
import { envWithout, repoRoot, spawnProcess, type SpawnedProcess } from "../support/spawn-process.ts";

// A production install's shape: bin/, dist/ and the dependencies, and no TypeScript sources.
let install: string;
const prefix = testPrefix("build");
const spawned: SpawnedProcess[] = [];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

function compiledQoem(args: string[]): SpawnedProcess {
  const env = { ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_CONFIG", "LOG_LEVEL"), NODE_ENV: "production", REDIS_URL, QOEM_PREFIX: prefix };
  const p = spawnProcess([join(install, "bin/qoem.js"), ...args], env);
  spawned.push(p);
  return p;
}

beforeAll(async () => {
  install = mkdtempSync(join(tmpdir(), "qoem-build-"));
  await promisify(execFile)(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", join(repoRoot, "tsconfig.build.json"), "--outDir", join(install, "dist")], { cwd: repoRoot });
  mkdirSync(join(install, "bin"));
  for (const file of ["qoem.js", "tune-v8.js"]) cpSync(join(repoRoot, "bin", file), join(install, "bin", file));
  writeFileSync(join(install, "package.json"), readFileSync(join(repoRoot, "package.json")));
  symlinkSync(join(repoRoot, "node_modules"), join(install, "node_modules"), "dir");
}, 240_000);

afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(spawned.map((p) => p.exited));
  if (install) rmSync(install, { recursive: true, force: true });
  await deletePrefix(prefix);
});

describe("the production build", () => {
  it("is JavaScript that imports JavaScript: no .ts file and no .ts import in dist/", () => {
    const files = filesUnder(join(install, "dist"));
    expect(files.some((f) => f.endsWith(join("dist", "src", "cli.js")))).toBe(true);
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
    const tsImports = files.filter((f) => f.endsWith(".js")).filter((f) => /(?:from|import\()\s*["'][^"']+\.ts["']/.test(readFileSync(f, "utf8")));
    expect(tsImports).toEqual([]);
  });

  it("runs a command from dist/ with no sources beside it", async () => {
    const help = compiledQoem(["run", "help"]);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/\/qoem onboard <customer> <region-site-or-shared-tenant>/);
  });

  it("onboards a customer through the queue, the worker and the emulators, compiled", async () => {
    const run = compiledQoem(["run", "onboard acme eu"]);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/acme is onboarded on eu: https:\/\/acme\.eu\.qlikcloud\.com/);
  });
});
