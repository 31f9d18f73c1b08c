// The cap on HTTP exchanges in flight: never more than its slots at once, every call served in turn, a failed call frees its slot.
import { describe, expect, it } from "vitest";
import { HttpSlots } from "../../adapters/qlik-cloud/http-slots.ts";

describe("HTTP slots", () => {
  it("runs at most its slots at once and serves every waiter, a failure freeing its slot too", async () => {
    const slots = new HttpSlots(3);
    let now = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const calls = Array.from({ length: 10 }, (_, i) =>
      slots.run(async () => {
        now++;
        most = Math.max(most, now);
        await new Promise<void>((resolve) => releases.push(resolve));
        now--;
        if (i === 4) throw new Error("refused");
        return i;
      }),
    );
    const settled = Promise.allSettled(calls);
    for (let served = 0; served < 10; served++) {
      await expect.poll(() => releases.length).toBeGreaterThan(served);
      expect(now).toBeLessThanOrEqual(3);
      releases[served]!();
    }
    const outcomes = await settled;
    expect(most).toBe(3);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : "failed"))).toEqual([0, 1, 2, 3, "failed", 5, 6, 7, 8, 9]);
  });

  it("refuses a number of slots that is not a whole number of at least 1", () => {
    expect(() => new HttpSlots(0)).toThrow("at least 1");
    expect(() => new HttpSlots(1.5)).toThrow("whole number");
  });
});
