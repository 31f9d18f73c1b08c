// The `health all` Slack message while sweeps run: edits from the sweeps' own counts, one full read of the verdicts at the end.
import { EventEmitter } from "node:events";
import type { QueueEvents } from "bullmq";
import type { WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { postFleetHealth, sweepingLine } from "../../src/chat/slack/post-fleet-health.ts";
import { fleetHealthView } from "../../src/chat/render-fleet-health.ts";
import type { LatestHealth } from "../../src/core/health-history.ts";

const verdict = (customer: string, v: LatestHealth["verdict"]): LatestHealth => ({ customer, where: "eu", verdict: v, reasons: v === "green" ? [] : ["webhook failing"], at: "2026-11-29T10:00:00.000Z", since: "2026-11-29T10:00:00.000Z" });

function recordingClient() {
  const texts: string[] = [];
  const client = {
    chat: {
      postMessage: async (args: { text: string }) => (texts.push(args.text), { ok: true, channel: "C0SUPPORT", ts: "1.1" }),
      update: async (args: { text: string }) => (texts.push(args.text), { ok: true }),
    },
  };
  return { texts, client: client as unknown as WebClient };
}

describe("the health all message while sweeps run", () => {
  it("says how far the sweeps are from their own counts, and reads every verdict only once they have ended", async () => {
    const events = new EventEmitter();
    const { texts, client } = recordingClient();
    const before = fleetHealthView([verdict("acme", "green"), verdict("globex", "red")], "2026-11-29T09:00:00.000Z");
    const after = fleetHealthView([verdict("acme", "green"), verdict("globex", "green")], "2026-11-29T10:05:00.000Z");
    let fullReads = 0;
    const posting = postFleetHealth(client, "C0SUPPORT", before, ["sweep.eu", "sweep.us"], {
      sweepEvents: events as unknown as QueueEvents,
      fleetHealth: async () => (fullReads++, after),
      jobState: async () => "active",
    });
    await expect.poll(() => texts.length).toBe(1);
    expect(texts[0]).toContain("sweeping now");
    events.emit("progress", { jobId: "sweep.eu", data: { scope: "cloud:eu", done: 500, total: 8_500, counts: { green: 497, amber: 1, red: 2, unknown: 0 } } });
    await expect.poll(() => texts.length).toBe(2);
    expect(texts[1]).toContain("Fleet health: 1 green, 0 amber, 1 red — sweeping: 0 of 2 done, 500 of 8,500 checked: 497 green, 1 amber, 2 red");
    // Progress of a job this message does not follow changes nothing.
    events.emit("progress", { jobId: "sweep.other", data: { done: 1, total: 1, counts: { green: 1, amber: 0, red: 0, unknown: 0 } } });
    expect(fullReads).toBe(0);
    events.emit("completed", { jobId: "sweep.eu" });
    events.emit("completed", { jobId: "sweep.us" });
    await posting;
    expect(fullReads).toBe(1);
    expect(texts[texts.length - 1]).toContain("Fleet health: 2 green, 0 amber, 0 red");
    expect(texts[texts.length - 1]).not.toContain("sweeping");
  });

  it("sums the sweeps it has heard from, and counts unknowns only when there are some", () => {
    const eu = { done: 8_500, total: 8_500, counts: { green: 8_400, amber: 50, red: 50, unknown: 0 } };
    const us = { done: 1_000, total: 8_500, counts: { green: 990, amber: 0, red: 0, unknown: 10 } };
    expect(sweepingLine(7, 1, [eu, us])).toBe("sweeping: 1 of 7 done, 9,500 of 17,000 checked: 9390 green, 50 amber, 50 red, 10 unknown");
    expect(sweepingLine(7, 0, [])).toBe("sweeping: 0 of 7 done");
  });
});
