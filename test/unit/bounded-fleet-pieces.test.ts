// The pieces that keep fleet-wide work bounded: the detailed-batch picker, the health view's tally,
// the listing read-ahead and the task pool.
import { describe, expect, it } from "vitest";
import { DetailPicker } from "../../src/core/detail-picker.ts";
import type { LatestHealth } from "../../src/core/health-history.ts";
import { readAhead } from "../../src/core/read-ahead.ts";
import { TaskPool } from "../../src/core/task-pool.ts";
import { fleetHealthView, NOT_GREEN_KEPT, renderFleetHealth } from "../../src/chat/render-fleet-health.ts";

const latest = (customer: string, verdict: LatestHealth["verdict"], detailedAt?: string, since = "2026-01-01T00:00:00.000Z"): LatestHealth => ({ customer, where: "eu", verdict, reasons: verdict === "green" ? [] : ["why"], at: since, since, ...(detailedAt ? { detailedAt } : {}) });

describe("the detailed-batch picker", () => {
  it("keeps the most needed: not green, then never checked, then the oldest check; the rest handed back as they fall out", () => {
    const picker = new DetailPicker(3);
    const out: string[] = [];
    const offer = (customer: string, previous?: LatestHealth) => {
      const dropped = picker.offer({ customer, previous });
      if (dropped) out.push(dropped.customer);
    };
    offer("green-new", latest("green-new", "green", "2026-01-05T00:00:00.000Z"));
    offer("green-old", latest("green-old", "green", "2026-01-01T00:00:00.000Z"));
    offer("never-a");
    offer("red", latest("red", "red", "2026-01-09T00:00:00.000Z"));
    offer("never-b");
    offer("green-mid", latest("green-mid", "green", "2026-01-03T00:00:00.000Z"));
    expect(picker.drain().map((c) => c.customer)).toEqual(["red", "never-a", "never-b"]);
    expect(out.sort()).toEqual(["green-mid", "green-new", "green-old"]);
    expect(picker.drain()).toEqual([]);
  });

  it("hands everything back with a batch of zero", () => {
    const picker = new DetailPicker(0);
    expect(picker.offer({ customer: "a", previous: undefined })?.customer).toBe("a");
  });
});

describe("the fleet health view", () => {
  it("counts every verdict but keeps only the worst few not green, worst and oldest first", () => {
    const many = [
      ...Array.from({ length: 250 }, (_, i) => latest(`amber-${i}`, "amber", undefined, `2026-01-0${(i % 9) + 1}T00:00:00.000Z`)),
      latest("red-late", "red", undefined, "2026-01-08T00:00:00.000Z"),
      latest("red-early", "red", undefined, "2026-01-02T00:00:00.000Z"),
      ...Array.from({ length: 40 }, (_, i) => latest(`green-${i}`, "green")),
    ];
    const view = fleetHealthView(many);
    expect(view.totals).toEqual({ green: 40, amber: 250, red: 2, unknown: 0 });
    expect(view.notGreenCount).toBe(252);
    expect(view.notGreen).toHaveLength(NOT_GREEN_KEPT);
    expect(view.notGreen.slice(0, 3).map((l) => l.customer)).toEqual(["red-early", "red-late", "amber-0"]);
    expect(view.notGreen.every((l, i) => i === 0 || view.notGreen[i - 1]!.verdict === "red" || l.since >= view.notGreen[i - 1]!.since)).toBe(true);
    expect(renderFleetHealth(view)).toMatch(/… and 227 more not green\.$/);
  });
});

describe("reading ahead", () => {
  it("reads ahead of its consumer, in order, and gives a source's error where its item would have been", async () => {
    const fetched: number[] = [];
    async function* source() {
      for (let i = 1; i <= 3; i++) {
        fetched.push(i);
        yield i;
      }
      throw new Error("page 4 failed");
    }
    const ahead = readAhead(source(), 2);
    await new Promise((r) => setTimeout(r, 10));
    expect(fetched).toEqual([1, 2]);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const n of ahead) got.push(n);
      })(),
    ).rejects.toThrow("page 4 failed");
    expect(got).toEqual([1, 2, 3]);
  });
});

describe("the task pool", () => {
  it("runs at most its limit at once, never blocks the adder, and is done when all are", async () => {
    const pool = new TaskPool(2);
    let running = 0;
    let most = 0;
    const finished: number[] = [];
    for (let i = 0; i < 7; i++) {
      pool.add(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        finished.push(i);
        if (i === 3) throw new Error("one task's failure is its own");
      });
    }
    await pool.done();
    expect(most).toBe(2);
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
