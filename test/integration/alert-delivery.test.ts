// Health alerts through the outbox: delivered at least once (retried with back-off, restarted by the
// next sweep when a delivery job gave up) and never twice for one change; "alerted" only once delivered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Queue, type Worker } from "bullmq";
import { startAlertsNotifier } from "../../src/chat/alerts-notifier.ts";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { ALERTS_QUEUE, enqueuePendingAlerts } from "../../src/queue/enqueue-alerts.ts";
import { captureLogger, startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { tenantsNamed } from "../support/cloud-fixture.ts";
import { onboardCustomer, sweepRegion, tenantKnob } from "../support/health-fixture.ts";
import { waitUntil } from "../support/wait-until.ts";
import { metricsRegistry } from "../../src/ops/metrics.ts";

let qoem: TestQoem;
let alerts: Queue;
let notifier: Worker | undefined;
const notifierLog: string[] = [];

beforeAll(async () => {
  qoem = await startTestQoem("alert-delivery");
  alerts = new Queue(ALERTS_QUEUE, { connection: qoem.redis, prefix: qoem.keys.tag });
  for (const c of ["acme", "globex"]) await onboardCustomer(qoem, c);
  await sweepRegion(qoem);
});
afterEach(async () => {
  await notifier?.close();
  notifier = undefined;
});
afterAll(async () => {
  await alerts?.close();
  await qoem?.stop();
});

/** The product's notifier with a poster of the test's choosing; back-off short so retries come quickly. */
function startNotifier(post: (text: string) => Promise<void>): Worker {
  notifier = startAlertsNotifier({ connection: qoem.redis, keys: qoem.keys, logger: captureLogger(notifierLog), deliver: post, backoffMs: 20, maxBackoffMs: 100, limiter: { max: 100, duration: 1000 } });
  return notifier;
}

/** qoem_alerts_sent_total for one kind, as /metrics would show it. */
const alertsSent = async (kind: string) => (await metricsRegistry.getSingleMetric("qoem_alerts_sent_total")!.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

const healthAll = async () => {
  const answer = await dispatchCommand({ text: "health all", user: "U1", surface: "shell" }, qoem.dispatch);
  return answer.kind === "fleet" ? answer.text : "";
};

describe("alert delivery", () => {
  it("delivers a red alert exactly once when the poster fails twice, and marks it alerted only after delivery", async () => {
    const posted: string[] = [];
    let attempts = 0;
    const sentBefore = await alertsSent("red");
    // Not yet delivered: the sweep decides the alert, but "alerted" stays green.
    await tenantKnob(qoem, tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.id, { unhealthy: true });
    await sweepRegion(qoem);
    expect(await qoem.history.latest("acme")).toMatchObject({ verdict: "red", alerted: "green", pendingAlert: "red" });

    startNotifier(async (text) => {
      attempts++;
      if (attempts <= 2) throw new Error("slack is down");
      posted.push(text);
    });
    await waitUntil(async () => (await qoem.history.latest("acme"))?.alerted === "red", "acme's red alert delivered");
    expect(attempts).toBe(3);
    expect(posted).toHaveLength(1);
    expect((await alertsSent("red")) - sentBefore).toBe(1);
    expect(posted[0]).toMatch(/^🔴 acme \(eu\) is red: .*does not answer/);
    expect((await qoem.history.latest("acme"))!.pendingAlert).toBeUndefined();
    expect(notifierLog.filter((l) => l.includes("alert delivery failed"))).toHaveLength(2);
    expect(notifierLog.find((l) => l.includes("alert delivery failed"))).toMatch(/"customer":"acme".*"err":"slack is down"/);

    // More sweeps while it stays red: nothing more to deliver.
    await sweepRegion(qoem);
    expect(await enqueuePendingAlerts(alerts, qoem.history.outbox)).toBe(0);
    expect(posted).toHaveLength(1);
  });

  it("never posts one alert twice, even when it is queued again after it was delivered", async () => {
    const posted: string[] = [];
    startNotifier(async (text) => void posted.push(text));
    await tenantKnob(qoem, tenantsNamed(qoem.cloudEmulator!, "acme")[0]!.id, { unhealthy: false });
    // Green once: the all-clear waits for a second sweep to confirm it.
    expect((await sweepRegion(qoem)).alerts.filter((a) => a.customer === "acme")).toEqual([]);
    const allClear = (await sweepRegion(qoem)).alerts.find((a) => a.customer === "acme")!;
    expect(allClear.kind).toBe("all-clear");
    await waitUntil(async () => (await qoem.history.latest("acme"))?.alerted === "green", "acme's all-clear delivered");
    expect(posted).toEqual(["🟢 acme (eu) is healthy again (was red)."]);

    // A sweep that read the old state races the delivery and writes the same alert back: delivered already, not posted again.
    await qoem.redis.hset(qoem.keys.alertsOutbox(), "acme", JSON.stringify(allClear));
    expect(await enqueuePendingAlerts(alerts, qoem.history.outbox)).toBe(1);
    await waitUntil(async () => (await qoem.history.outbox.pendingFor("acme")) === undefined, "the re-queued all-clear settled");
    expect(posted).toEqual(["🟢 acme (eu) is healthy again (was red)."]);
    expect(notifierLog.some((l) => l.includes('"outcome":"already-delivered"'))).toBe(true);
  });

  it("keeps an alert the poster never takes pending, says so in health all, and retries it after every sweep", async () => {
    let attempts = 0;
    startNotifier(async () => {
      attempts++;
      throw new Error("channel_not_found");
    });
    await tenantKnob(qoem, tenantsNamed(qoem.cloudEmulator!, "globex")[0]!.id, { unhealthy: true });
    await sweepRegion(qoem);
    // The delivery job uses up its attempts and fails; the alert stays in the outbox.
    await waitUntil(async () => (await alerts.getJobCounts("failed")).failed === 1, "the delivery job gave up");
    const attemptsBefore = attempts;
    expect(attemptsBefore).toBeGreaterThan(1);
    expect(await qoem.history.latest("globex")).toMatchObject({ verdict: "red", alerted: "green", pendingAlert: "red" });
    expect(await healthAll()).toMatch(/1 alert undelivered \(retrying\): globex red/);

    // The next sweep starts the delivery again.
    await sweepRegion(qoem);
    await waitUntil(() => attempts > attemptsBefore, "the alert retried after the sweep");
    await notifier!.close();

    // Slack takes it at last: delivered once, marked alerted, no longer listed as undelivered.
    const posted: string[] = [];
    startNotifier(async (text) => void posted.push(text));
    await sweepRegion(qoem);
    await waitUntil(async () => (await qoem.history.latest("globex"))?.alerted === "red", "globex's red alert delivered");
    expect(posted).toEqual([expect.stringMatching(/^🔴 globex \(eu\) is red/)]);
    expect(await healthAll()).not.toMatch(/undelivered/);
  });
});
