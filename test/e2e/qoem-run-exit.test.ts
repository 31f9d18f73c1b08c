// The `qoem run` process itself: its exit code is the outcome's, and with --json even a bad flag or a configuration error ends in one JSON line.
import { afterAll, describe, expect, it } from "vitest";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";
import { envWithout, qoemBin, spawnProcess, type SpawnedProcess } from "../support/spawn-process.ts";

const prefix = testPrefix("run-exit");
const spawned: SpawnedProcess[] = [];

afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(spawned.map((p) => p.exited));
  await deletePrefix(prefix);
});

async function qoemRun(args: string[], env: Record<string, string> = {}) {
  const p = spawnProcess([qoemBin, "run", ...args], { ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_CONFIG", "LOG_LEVEL"), REDIS_URL, QOEM_PREFIX: prefix, ...env });
  spawned.push(p);
  const code = await p.exited;
  const lines = p.stdout().split("\n").filter(Boolean);
  return { code, lines, stderr: p.stderr(), json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("qoem run's exit code", () => {
  it("is 2 for a malformed command, one JSON end line with --json", async () => {
    const r = await qoemRun(["onboard Acme eu", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json()).toEqual([expect.objectContaining({ event: "end", ok: false, outcome: "malformed", exitCode: 2 })]);
  });

  it("is 2 for --as without a user, and says so on stderr", async () => {
    const r = await qoemRun(["help", "--as"]);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([]);
    expect(r.stderr).toMatch(/--as takes a user name/);
  });

  it("is 1 for a refused command (a customer qoem does not know)", async () => {
    const r = await qoemRun(["reactivate nobody-here", "--json", "--as", "U0ENGINEER"]);
    expect(r.code).toBe(1);
    expect(r.json()).toEqual([expect.objectContaining({ event: "end", outcome: "refused", exitCode: 1, error: expect.stringMatching(/nobody-here/) })]);
  });

  it("is 1 when qoem cannot start, and --json still ends in one JSON line naming the cause", async () => {
    const r = await qoemRun(["help", "--json"], { QOEM_CONFIG: "/nonexistent/qoem.yaml" });
    expect(r.code).toBe(1);
    expect(r.json()).toEqual([{ event: "end", ok: false, outcome: "failed", exitCode: 1, error: "configuration error: QOEM_CONFIG: cannot read /nonexistent/qoem.yaml (ENOENT)" }]);
  });
});
