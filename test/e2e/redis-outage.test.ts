// A running `qoem start` whose Redis the test kills: /readyz turns 503, commands (shell, provisioning API) are answered within 5 s, the outage is logged once (and its end once), no stack trace reaches stderr, SIGTERM exits within 10 s with an onboard in flight; and with Redis back, the onboard in flight completes.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startKillableRedis, type KillableRedis } from "../support/killable-redis.ts";
import { envWithout, qoemBin, spawnProcess, type SpawnedProcess } from "../support/spawn-process.ts";
import { pickFreePort } from "../support/pick-free-port.ts";
import { waitUntil } from "../support/wait-until.ts";

let redis: KillableRedis | undefined;
let qoem: SpawnedProcess | undefined;
afterEach(async () => {
  if (qoem && qoem.child.exitCode === null && qoem.child.signalCode === null) qoem.child.kill("SIGKILL");
  await qoem?.exited;
  await redis?.dispose();
  qoem = undefined;
  redis = undefined;
});

const apiToken = "outage-test-token";

async function startQoemOn(redisUrl: string) {
  const [opsPort, apiPort] = [await pickFreePort(), await pickFreePort()];
  const env = {
    ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "QOEM_CONFIG", "LOG_LEVEL", "QOEM_EMULATOR_URL"),
    REDIS_URL: redisUrl,
    QOEM_PREFIX: "outage",
    QOEM_OPS_PORT: String(opsPort),
    QOEM_API_PORT: String(apiPort),
    QOEM_API_TOKENS: `oem:${createHash("sha256").update(apiToken).digest("hex")}:onboard+read`,
  };
  const p = spawnProcess([qoemBin, "start"], env);
  await p.waitFor(/qoem> /);
  const readyz = async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined))?.status;
  await waitUntil(async () => (await readyz()) === 200, "/readyz 200 at start");
  // Every Qlik call takes a while, so an outage lands in the middle of an onboard.
  const emulator = (await p.waitFor(/embedded Qlik Cloud emulator at (\S+)/))[1]!;
  const faults = await fetch(`${emulator}/_emulator/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [{ action: "latency", latencyMs: 150 }] }) });
  expect(faults.status).toBe(200);
  const api = (path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${apiPort}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json", "idempotency-key": `key-${path}-${JSON.stringify(body)}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { p, readyz, emulator, api, say: (line: string) => void p.child.stdin!.write(`${line}\n`) };
}

/** Milliseconds `work` took. */
const timed = async (work: () => Promise<unknown>) => {
  const started = Date.now();
  await work();
  return Date.now() - started;
};

const stderrLines = (p: SpawnedProcess) => p.stderr().split("\n").filter(Boolean);
const logLines = (p: SpawnedProcess, msg: RegExp) => stderrLines(p).filter((l) => l.startsWith("{") && msg.test((JSON.parse(l) as { msg: string }).msg));
/** Whatever reached stderr outside the logger's JSON lines and qoem's one start-up note. */
const strayStderr = (p: SpawnedProcess) => stderrLines(p).filter((l) => !l.startsWith("{") && !/^qoem: embedded Qlik Cloud emulator at /.test(l));

describe("qoem under a Redis outage", () => {
  it("turns not ready, answers commands within 5 s, logs the outage once without stack traces, and stops on SIGTERM within 10 s with an onboard in flight", async () => {
    redis = await startKillableRedis();
    const { p, readyz, api, say } = await startQoemOn(redis.url);
    qoem = p;
    const started = await api("/api/v1/onboardings", { customer: "acme", target: "eu" });
    expect(started.status).toBe(202);
    const { operation } = (await started.json()) as { operation: { id: string } };
    await waitUntil(async () => ((await (await api(`/api/v1/operations/${operation.id}`)).json()) as { steps: Array<{ state: string }> }).steps.some((s) => s.state === "done"), "the onboard under way");

    await redis.kill();
    await waitUntil(async () => (await readyz()) === 503, "/readyz 503 once Redis is gone");
    // Long enough for every connection to have retried many times (each retry used to print a trace).
    await new Promise((r) => setTimeout(r, 3000));

    expect(await timed(async () => {
      say("status acme");
      await p.waitFor(/Redis is unavailable, try again shortly/);
    })).toBeLessThan(5000);
    let apiAnswer: Response | undefined;
    expect(await timed(async () => (apiAnswer = await api("/api/v1/customers/acme")))).toBeLessThan(5000);
    expect(apiAnswer!.status).toBe(503);
    expect(((await apiAnswer!.json()) as { error: { message: string } }).error.message).toMatch(/^Redis is unavailable, try again shortly/);

    expect(logLines(p, /^Redis unavailable/)).toHaveLength(1);
    expect(strayStderr(p)).toEqual([]);
    expect(p.stderr()).not.toMatch(/^\s+at /m);

    const signalled = Date.now();
    p.child.kill("SIGTERM");
    const code = await p.exited;
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(logLines(p, /^Redis unavailable/)).toHaveLength(1);
    expect(logLines(p, /^Redis available again/)).toHaveLength(0);
    expect(strayStderr(p)).toEqual([]);
  }, 60_000);

  it("completes the onboard in flight once Redis is back, and logs the outage's start and end once each", async () => {
    redis = await startKillableRedis();
    const { p, readyz, emulator, say } = await startQoemOn(redis.url);
    qoem = p;

    say("onboard acme eu");
    await p.waitFor(/^\s+✓ /m);
    await redis.kill();
    await waitUntil(async () => (await readyz()) === 503, "/readyz 503 once Redis is gone");
    await new Promise((r) => setTimeout(r, 3000));
    expect(p.stdout()).not.toMatch(/acme is onboarded/);
    await redis.start();

    await p.waitFor(/acme is onboarded on eu/);
    await waitUntil(async () => (await readyz()) === 200, "/readyz 200 once Redis is back");
    const state = (await (await fetch(`${emulator}/_emulator/state`)).json()) as { tenants: Array<{ name: string; status: string }> };
    expect(state.tenants.filter((t) => t.name === "acme" && t.status !== "deleted")).toHaveLength(1);
    expect(logLines(p, /^Redis unavailable/)).toHaveLength(1);
    expect(logLines(p, /^Redis available again/)).toHaveLength(1);
    expect(strayStderr(p)).toEqual([]);

    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 90_000);
});
