// `qoem run`'s outcomes through the product's dispatch, queue and worker: exit codes (0 done, 1 failed or refused, 2 malformed), --as, waiting for what an approve starts, and --json for every outcome.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand, type RunCommandOptions } from "../../src/chat/cli/run-command.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { setFaults } from "../support/health-fixture.ts";

let qoem: TestQoem;
beforeAll(async () => {
  qoem = await startTestQoem("run-command");
});
afterAll(async () => {
  await qoem?.stop();
});

interface Run {
  code: number;
  out: string[];
  err: string[];
  /** stdout as JSON objects (--json runs). */
  events: Array<Record<string, unknown>>;
}

async function run(text: string, options: Partial<Pick<RunCommandOptions, "user" | "json">> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const json = options.json ?? true;
  const code = await runCommand(qoem, { text, user: options.user ?? "U0ENGINEER", json, write: (l) => void out.push(l), writeError: (l) => void err.push(l) });
  return { code, out, err, events: json ? out.map((l) => JSON.parse(l) as Record<string, unknown>) : [] };
}

/** --json: only the last line is the end, and it carries the outcome and exit code. */
function endOf(r: Run): Record<string, unknown> {
  const ends = r.events.filter((e) => e.event === "end");
  expect(ends).toHaveLength(1);
  expect(r.events.at(-1)).toBe(ends[0]);
  expect(r.events.slice(0, -1).every((e) => e.event === "progress")).toBe(true);
  expect(ends[0]!.exitCode).toBe(r.code);
  return ends[0]!;
}

describe("qoem run", () => {
  it("exits 2 on a malformed command, with the reason and usage, and queues nothing", async () => {
    const r = await run("onboard Acme eu");
    expect(r.code).toBe(2);
    expect(endOf(r)).toMatchObject({ ok: false, outcome: "malformed", command: "onboard", usage: expect.stringContaining("onboard <customer>") });
    expect(String(endOf(r).error)).toMatch(/'Acme' is not a valid customer name/);
    const text = await run("onboard Acme eu", { json: false });
    expect(text.code).toBe(2);
    expect(text.out).toEqual([]);
    expect(text.err.join("\n")).toMatch(/not a valid customer name[\s\S]*Usage: \/qoem onboard/);
    const counts = await qoem.operations.getJobCounts();
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });

  it("exits 0 once an onboard is done, after its progress events", async () => {
    const r = await run("onboard acme eu");
    expect(r.code).toBe(0);
    expect(endOf(r)).toMatchObject({ ok: true, outcome: "done", operation: "onboard", jobId: "onboard.acme.eu", result: { customer: "acme", where: "eu" } });
    expect(r.events.filter((e) => e.event === "progress").length).toBeGreaterThan(0);
    expect(r.events.at(-2)).toMatchObject({ event: "progress", phase: "done", customer: "acme" });
  });

  it("answers 'health all' with the verdicts of the sweeps it started, not the ones from before", async () => {
    // The last sweep is over a minute old, so `health all` starts new ones (it answers from a fresher one).
    const before = new Date(Date.now() - 5 * 60_000).toISOString();
    await qoem.redis.hset(qoem.keys.sweepMeta(), "lastSweepAt", before);
    const r = await run("health all");
    const end = endOf(r);
    expect(r.code).toBe(0);
    expect(end).toMatchObject({ outcome: "done", command: "health", sweeps: { failed: 0, timeout: 0 } });
    expect((end.jobIds as string[]).length).toBeGreaterThan(0);
    expect((end.sweeps as { completed: number }).completed).toBe((end.jobIds as string[]).length);
    const after = await qoem.dispatch.fleet.history.lastSweepAt();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(String(end.text)).toMatch(/^Fleet health: 1 green, 0 amber, 0 red \(last sweep /);
    expect(String(end.text)).not.toMatch(/sweeping now|no sweep yet/);
  });

  it("exits 1 on a command that is well formed but refused, and 0 on a read", async () => {
    const r = await run("onboard acme us");
    expect(r.code).toBe(1);
    expect(endOf(r)).toMatchObject({ ok: false, outcome: "refused", command: "onboard", error: expect.stringMatching(/acme/) });
    // A refusal says why and what to do; the usage line is for malformed text only.
    const text = await run("onboard acme us", { json: false });
    expect(text.code).toBe(1);
    expect(text.err.join("\n")).toMatch(/acme/);
    expect(text.err.join("\n")).not.toMatch(/Usage:/);
    const status = await run("status acme", { json: false });
    expect(status.code).toBe(0);
    expect(status.out.join("\n")).toMatch(/acme/);
  });

  it("exits 1 when the operation fails, with the error in the end event", async () => {
    await setFaults(qoem, [{ method: "POST", path: "/api/v1/spaces", action: "status", status: 400 }]);
    try {
      const r = await run("onboard globex eu");
      expect(r.code).toBe(1);
      expect(endOf(r)).toMatchObject({ ok: false, outcome: "failed", operation: "onboard", jobId: "onboard.globex.eu", error: expect.any(String) });
      const text = await run("onboard initech eu", { json: false });
      expect(text.code).toBe(1);
      expect(text.out.join("\n")).toMatch(/Create spaces/);
    } finally {
      await setFaults(qoem, []);
    }
  });

  it("acts as --as USER: the requester cannot approve, another user's approve runs the offboard and waits for it", async () => {
    const request = await run("offboard acme", { user: "alice" });
    expect(request.code).toBe(0);
    const asked = endOf(request);
    expect(asked).toMatchObject({ ok: true, outcome: "done", command: "offboard", created: true });
    const id = String(asked.approvalId);

    const own = await run(`approve ${id}`, { user: "alice" });
    expect(own.code).toBe(1);
    expect(endOf(own)).toMatchObject({ ok: false, outcome: "refused", command: "approve", code: "self" });

    const approved = await run(`approve ${id}`, { user: "bob" });
    expect(approved.code).toBe(0);
    expect(endOf(approved)).toMatchObject({ ok: true, outcome: "done", operation: "offboard", jobId: expect.any(String) });
    expect((await qoem.registry.get("acme"))?.status).toBe("deactivated");
  });
});
