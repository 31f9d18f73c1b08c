// /healthz, /readyz and /metrics of a running qoem: on QOEM_OPS_PORT and beside Slack on PORT; readiness follows Redis and Slack; the metrics text parses and counts real work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis, findOnPath, type PrivateRedis } from "../../src/start-private-redis.ts";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { startTestQoem, type TestQoem } from "../support/start-test-qoem.ts";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";
import { onboardCustomer } from "../support/health-fixture.ts";
import { pickFreePort } from "../support/pick-free-port.ts";
import { waitUntil } from "../support/wait-until.ts";
import { parsePrometheusText, sampleValue, type MetricFamily } from "../support/parse-prometheus-text.ts";

interface ReadyBody {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail: string }>;
}

const get = (port: number, path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);
const readyz = async (port: number) => {
  const res = await get(port, "/readyz");
  return { status: res.status, body: (await res.json()) as ReadyBody };
};
const scrape = async (port: number) => parsePrometheusText(await (await get(port, "/metrics")).text());
/** The sum of a metric's samples whose labels include `labels`. */
const total = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}) =>
  (families.get(name.replace(/_(count|sum|bucket)$/, ""))?.samples ?? [])
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

const qoemMetrics = [
  ["qoem_operations_total", "counter"],
  ["qoem_step_duration_seconds", "histogram"],
  ["qoem_queue_wait_seconds", "histogram"],
  ["qoem_queue_jobs", "gauge"],
  ["qoem_qlik_calls_total", "counter"],
  ["qoem_qlik_rate_limited_total", "counter"],
  ["qoem_rate_gate_wait_seconds", "histogram"],
  ["qoem_alerts_sent_total", "counter"],
  ["qoem_slack_api_errors_total", "counter"],
] as const;

describe("ops endpoints on QOEM_OPS_PORT", () => {
  let qoem: TestQoem;
  let port: number;
  beforeAll(async () => {
    qoem = await startTestQoem("ops", { QOEM_OPS_PORT: "0" });
    port = qoem.opsPort!;
  });
  afterAll(async () => {
    await qoem?.stop();
  });

  it("/healthz says the process is alive", async () => {
    const res = await get(port, "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 200 with Redis answering and every worker of the process running", async () => {
    const { status, body } = await readyz(port);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.checks.redis).toEqual({ ok: true, detail: "PING answered" });
    expect(body.checks.workers?.ok).toBe(true);
    expect(body.checks.workers?.detail).toMatch(/^([1-9]\d*) of \1 running and connected$/);
    expect(body.checks.slack).toBeUndefined();
  });

  it("/metrics is Prometheus text that declares every qoem metric and counts an onboard: the operation, its steps, its wait", async () => {
    const res = await get(port, "/metrics");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const before = parsePrometheusText(await res.text());
    for (const [name, type] of qoemMetrics) expect({ name, type: before.get(name)?.type, help: Boolean(before.get(name)?.help) }).toEqual({ name, type, help: true });
    expect(before.get("process_resident_memory_bytes")?.type).toBe("gauge");

    await onboardCustomer(qoem, "acme");
    const after = await scrape(port);
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta("qoem_operations_total", { kind: "onboard", outcome: "completed" })).toBe(1);
    expect(delta("qoem_step_duration_seconds_count", { kind: "onboard", step: "tenant", outcome: "done" })).toBe(1);
    expect(delta("qoem_queue_wait_seconds_count", { queue: "operations" })).toBe(1);
    const steps = new Set(after.get("qoem_step_duration_seconds")!.samples.filter((s) => s.labels.kind === "onboard").map((s) => s.labels.step));
    expect(steps.size).toBeGreaterThanOrEqual(5);
    expect(sampleValue(after, "qoem_queue_jobs", { queue: "operations", state: "active" })).toBe(0);
    expect(after.get("qoem_queue_jobs")!.samples.map((s) => s.labels.queue)).toEqual(expect.arrayContaining(["operations", "updates", "sweeps", "alerts"]));
  });

  it("counts what real work does: Qlik calls by host kind, tier and status, a 429, rate-gate waits, QRS calls, refused commands", async () => {
    const before = await scrape(port);
    // One 429 from Qlik on the first tenant call: the onboard waits Qlik's Retry-After and goes on.
    qoem.cloudEmulator!.faults.set([{ action: "rate-limit", path: "/api/v1/spaces", times: 1, retryAfterSeconds: 1 }]);
    await onboardCustomer(qoem, "beta");
    await onboardCustomer(qoem, "gamma", "local");
    const refused = await dispatchCommand({ text: "reactivate nobody-here", user: "U1", surface: "cli" }, qoem.dispatch);
    expect(refused.kind).toBe("error");
    expect((await qoem.registry.get("beta"))?.status).toBe("active");
    expect((await qoem.registry.get("gamma"))?.status).toBe("active");

    const after = await scrape(port);
    const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);
    expect(delta("qoem_qlik_calls_total", { host_kind: "register", status: "200" })).toBeGreaterThanOrEqual(1);
    expect(delta("qoem_qlik_calls_total", { host_kind: "console", tier: "1", status: "200" })).toBeGreaterThan(0);
    expect(delta("qoem_qlik_calls_total", { host_kind: "tenant", tier: "2", status: "201" })).toBeGreaterThan(0);
    expect(delta("qoem_qlik_calls_total", { host_kind: "tenant", tier: "1", status: "200" })).toBeGreaterThan(0);
    expect(delta("qoem_qlik_calls_total", { host_kind: "tenant", status: "429" })).toBe(1);
    expect(delta("qoem_qlik_rate_limited_total", { host_kind: "tenant" })).toBe(1);
    expect(delta("qoem_qlik_calls_total", { host_kind: "qrs", tier: "none" })).toBeGreaterThan(0);
    // Every call to a limited tier asked the gate once (token requests included): as many waits as
    // cloud calls; and every call to the site's repository asked the site's gate once.
    const cloudCalls = ["register", "tenant", "console"].reduce((n, kind) => n + delta("qoem_qlik_calls_total", { host_kind: kind }), 0);
    const qrsCalls = delta("qoem_qlik_calls_total", { host_kind: "qrs" });
    expect(delta("qoem_rate_gate_wait_seconds_count") - delta("qoem_rate_gate_wait_seconds_count", { host_kind: "qrs" })).toBe(cloudCalls);
    expect(delta("qoem_rate_gate_wait_seconds_count", { host_kind: "qrs", tier: "none" })).toBe(qrsCalls);
    expect(delta("qoem_rate_gate_wait_seconds_count", { host_kind: "tenant", tier: "1" })).toBeGreaterThan(0);
    expect(delta("qoem_operations_total", { kind: "reactivate", outcome: "refused" })).toBe(1);
    expect(delta("qoem_operations_total", { kind: "onboard", outcome: "completed" })).toBe(2);
  });

  it("answers 404 for another path and 405 for another method", async () => {
    expect((await get(port, "/slack/events")).status).toBe(404);
    expect((await get(port, "/metrics", { method: "POST" })).status).toBe(405);
  });
});

describe("readiness follows Redis", () => {
  it("is 503 while qoem's Redis is down and 200 once it is back; /healthz and /metrics answer throughout", async () => {
    const binary = findOnPath("redis-server", process.env.PATH);
    expect(binary, "redis-server on PATH").toBeDefined();
    const redisPort = await pickFreePort();
    let redis: PrivateRedis | undefined = await startPrivateRedis({ host: "127.0.0.1", port: redisPort, binary: binary! });
    const qoem = await startTestQoem("ops-redis", { REDIS_URL: redis.url, QOEM_OPS_PORT: "0" });
    const port = qoem.opsPort!;
    try {
      expect((await readyz(port)).status).toBe(200);

      await redis.stop();
      redis = undefined;
      await waitUntil(async () => (await readyz(port)).status === 503, "/readyz 503 after Redis stopped");
      const down = await readyz(port);
      expect(down.body.ready).toBe(false);
      expect(down.body.checks.redis?.ok).toBe(false);
      expect((await get(port, "/healthz")).status).toBe(200);
      const metrics = await scrape(port);
      expect(metrics.get("qoem_queue_jobs")?.samples).toEqual([]);

      redis = await startPrivateRedis({ host: "127.0.0.1", port: redisPort, binary: binary! });
      await waitUntil(async () => (await readyz(port)).status === 200, "/readyz 200 once Redis is back");
      expect((await readyz(port)).body.checks.redis?.ok).toBe(true);
    } finally {
      // Close only once Redis answers again (ready: every connection is back): BullMQ's close waits
      // forever for a connection that is still reconnecting. The throwaway Redis keeps nothing.
      redis ??= await startPrivateRedis({ host: "127.0.0.1", port: redisPort, binary: binary! });
      await waitUntil(async () => (await readyz(port)).status === 200, "/readyz 200 before closing");
      await qoem.close();
      await redis.stop();
    }
  });
});

describe("beside Slack over HTTP", () => {
  const secret = "ops-secret";
  let slack: FakeSlack;
  let qoem: TestQoem;
  beforeAll(async () => {
    slack = await startFakeSlack();
    qoem = await startTestQoem("ops-slack", { SLACK_BOT_TOKEN: "xoxb-ops", SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl });
  });
  afterAll(async () => {
    await qoem?.stop();
    await slack?.close();
  });

  it("serves the endpoints on Slack's PORT; readiness asks Slack, and a refused auth.test is 503 and counted", async () => {
    const port = qoem.slackPort!;
    expect(qoem.opsPort).toBeUndefined();
    expect((await get(port, "/healthz")).status).toBe(200);
    // qoem's start-up check and Bolt's own ask auth.test once each; the next one is readiness's own.
    await slack.waitFor((calls) => calls.filter((c) => c.method === "auth.test").length >= 2);
    const errors = async () => sampleValue(await scrape(port), "qoem_slack_api_errors_total", { method: "auth.test", error: "invalid_auth" });
    const before = await errors();
    slack.failNext({ method: "auth.test", times: 1, error: "invalid_auth" });

    const refused = await readyz(port);
    expect(refused.status).toBe(503);
    expect(refused.body.checks.slack?.ok).toBe(false);
    expect(refused.body.checks.redis?.ok).toBe(true);
    expect((await errors()) - before).toBe(1);

    const accepted = await readyz(port);
    expect(accepted.status).toBe(200);
    expect(accepted.body.checks.slack).toEqual({ ok: true, detail: "authenticated" });
  });
});
