// Work after Slack's acks: up to `max` tasks at once, one while any ack is owed, in arrival order; a failure frees its slot.
import { describe, expect, it } from "vitest";
import { createAfterAckScheduler } from "../../src/chat/slack/schedule-after-ack.ts";

function gate() {
  let open: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const promise = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("the after-ack scheduler", () => {
  it("runs up to max tasks at once, in order, and frees the slot of a task that fails", async () => {
    const scheduler = createAfterAckScheduler(2);
    const gates = Array.from({ length: 4 }, gate);
    const started: number[] = [];
    const results = gates.map((g, i) => scheduler.run(async () => (started.push(i), await g.promise, i)));
    await flush();
    expect(started).toEqual([0, 1]);
    expect(scheduler.state).toEqual({ owed: 0, running: 2, waiting: 2 });
    gates[0]!.fail(new Error("boom"));
    await expect(results[0]).rejects.toThrow("boom");
    await flush();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(results.slice(1))).toEqual([1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(scheduler.state).toEqual({ owed: 0, running: 0, waiting: 0 });
  });

  it("starts one task at a time while an ack is owed, and the rest once every ack is paid", async () => {
    const scheduler = createAfterAckScheduler(3);
    const first = scheduler.owe();
    const second = scheduler.owe();
    const gates = Array.from({ length: 4 }, gate);
    const started: number[] = [];
    const results = gates.map((g, i) => scheduler.run(async () => (started.push(i), await g.promise, i)));
    await flush();
    expect(started).toEqual([0]);
    first();
    first(); // paying twice counts once: the second ack is still owed
    await flush();
    expect(started).toEqual([0]);
    expect(scheduler.state).toEqual({ owed: 1, running: 1, waiting: 3 });
    second();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3]);
  });
});
