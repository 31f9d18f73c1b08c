// The README's lifecycle tables are the state machine in code, and every status has a way on.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkCommand, lifecycle, nextCommands, transitions } from "../../src/core/customer-lifecycle.ts";
import { customerStatuses } from "../../src/core/customer-status.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function rows(marker: string): string[][] {
  const start = readme.indexOf(`<!-- ${marker}:start -->`);
  const end = readme.indexOf(`<!-- ${marker}:end -->`);
  expect(start, `README marker ${marker}`).toBeGreaterThan(0);
  return readme
    .slice(start, end)
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))
    .slice(1)
    .map((l) => l.slice(2, -2).split(" | ").map((c) => c.trim()));
}
const unquote = (c: string) => c.replace(/`/g, "");

describe("the customer lifecycle", () => {
  it("is the README's status table: every status, its meaning and the commands that lead on", () => {
    const table = rows("lifecycle-statuses");
    expect(table.map((r) => unquote(r[0]!))).toEqual([...customerStatuses]);
    for (const [status, meaning, next] of table) {
      const rule = lifecycle[unquote(status!) as keyof typeof lifecycle];
      expect(meaning).toBe(rule.meaning);
      const commands = next!.startsWith("none") ? [] : next!.split(", ").map((c) => unquote(c).replace(/^\/qoem /, ""));
      expect(commands).toEqual(rule.next);
    }
  });

  it("is the README's transition table", () => {
    const table = rows("lifecycle-transitions");
    expect(table).toEqual(transitions.map((t) => [t.from.startsWith("(") ? t.from : `\`${t.from}\``, t.on, t.to, t.does]));
  });

  it("leaves every status either by a command a user can type or by the end of the job that put it there", () => {
    for (const status of customerStatuses) {
      const rule = lifecycle[status];
      const leaves = transitions.filter((t) => t.from === status && t.to !== status);
      expect(leaves.length, status).toBeGreaterThan(0);
      if (rule.transient) expect(leaves.some((t) => t.on === "job failed" || t.on === "job done"), status).toBe(true);
      else expect(nextCommands({ status, customer: "acme", where: "eu", kind: "cloud" }).length, status).toBeGreaterThan(0);
    }
  });

  it("refuses with the command that would help", () => {
    const f = { customer: "acme", where: "eu", kind: "cloud" as const };
    expect(checkCommand("onboard", { ...f, status: "deactivated" }, "eu")).toEqual({ ok: false, reason: expect.stringMatching(/acme is deactivated .*use \/qoem reactivate acme/) });
    expect(checkCommand("onboard", { ...f, status: "active" }, "us")).toEqual({ ok: false, reason: expect.stringMatching(/already has an environment on eu/) });
    expect(checkCommand("offboard", { ...f, status: "onboard-failed" })).toEqual({ ok: false, reason: expect.stringMatching(/use \/qoem onboard acme eu or \/qoem abandon acme/) });
    expect(checkCommand("reactivate", { ...f, kind: "client-managed", where: "fra", status: "removed" })).toEqual({ ok: false, reason: expect.stringMatching(/cannot be undone; use \/qoem onboard acme fra/) });
    expect(checkCommand("abandon", { ...f, status: "active" })).toEqual({ ok: false, reason: expect.stringMatching(/use \/qoem onboard acme eu or \/qoem offboard acme/) });
    expect(checkCommand("onboard", undefined, "eu")).toEqual({ ok: true });
    expect(checkCommand("onboard", { ...f, status: "removed" }, "us")).toEqual({ ok: true });
  });
});
