// Start-up checks of the qoem executable: a port in use (each setting that names one), Slack unreachable or refusing the token, Redis unreachable; each one line on stderr naming the cause, exit 1, no stack trace.
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL, deletePrefix, testPrefix } from "../support/redis-prefix.ts";
import { envWithout, qoemBin, spawnProcess, type SpawnedProcess } from "../support/spawn-process.ts";
import { pickFreePort } from "../support/pick-free-port.ts";
import { startFakeSlack, type FakeSlack } from "../support/fake-slack.ts";

const prefix = testPrefix("start-checks");
const spawned: SpawnedProcess[] = [];
let held: Server;
let heldPort: number;
let slack: FakeSlack;

beforeAll(async () => {
  // Something else listens on this port (every interface, as a second qoem would).
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, () => resolve()));
  heldPort = (held.address() as { port: number }).port;
  slack = await startFakeSlack();
});
afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(spawned.map((p) => p.exited));
  await new Promise<void>((resolve) => held.close(() => resolve()));
  await slack.close();
  await deletePrefix(prefix);
});

const baseEnv = () => ({ ...envWithout("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "QOEM_CONFIG", "LOG_LEVEL", "QOEM_OPS_PORT", "QOEM_API_PORT", "PORT"), REDIS_URL, QOEM_PREFIX: prefix, QOEM_EMULATORS: "1" });
const slackEnv = (apiUrl: string) => ({ SLACK_BOT_TOKEN: "xoxb-start-checks", SLACK_SIGNING_SECRET: "start-checks-secret", SLACK_API_URL: apiUrl, PORT: "0" });

/** Runs qoem to its end; returns its exit code and what it printed on stderr outside log lines. */
async function qoem(args: string[], env: Record<string, string>) {
  const p = spawnProcess([qoemBin, ...args], { ...baseEnv(), ...env });
  spawned.push(p);
  p.child.stdin?.end();
  const code = await p.exited;
  return { code, said: p.stderr().split("\n").filter((l) => l && !l.startsWith("{")), stderr: p.stderr() };
}

describe("a port already in use", () => {
  it.each([
    ["QOEM_OPS_PORT", ["start"], () => ({ QOEM_OPS_PORT: String(heldPort) })],
    ["QOEM_API_PORT", ["start"], () => ({ QOEM_API_PORT: String(heldPort) })],
    ["PORT", ["start"], () => ({ ...slackEnv(slack.apiUrl), PORT: String(heldPort) })],
    ["qoem emulate --port", ["emulate", "--port", "HELD"], () => ({})],
  ] as const)("%s: one line naming the port and the setting, exit 1", async (setting, args, env) => {
    const r = await qoem(args.map((a) => (a === "HELD" ? String(heldPort) : a)), env());
    expect(r.code).toBe(1);
    expect(r.said).toEqual([`qoem: port ${heldPort} (${setting}) is already in use: stop what listens there or choose another port`]);
    expect(r.stderr).not.toMatch(/^\s+at |EADDRINUSE|EPIPE/m);
  });
});

describe("Slack at start", () => {
  it("refusing the token: one line naming SLACK_API_URL and Slack's error", async () => {
    slack.failNext({ method: "auth.test", times: 1, error: "invalid_auth" });
    const r = await qoem(["start"], slackEnv(slack.apiUrl));
    expect(r.code).toBe(1);
    expect(r.said).toEqual([`qoem: Slack at ${slack.apiUrl} refused the bot token (auth.test: invalid_auth); check SLACK_BOT_TOKEN`]);
    expect(r.stderr).not.toMatch(/^\s+at |serving Slack/m);
  });

  it("unreachable: one line naming SLACK_API_URL and why", async () => {
    const url = `http://127.0.0.1:${await pickFreePort()}/api/`;
    const r = await qoem(["start"], slackEnv(url));
    expect(r.code).toBe(1);
    expect(r.said).toEqual([`qoem: cannot reach Slack at ${url} (ECONNREFUSED); check SLACK_API_URL and the network`]);
    expect(r.stderr).not.toMatch(/^\s+at |serving Slack|http request failed/m);
  });
});

describe("Redis at start", () => {
  it("unreachable (Slack mode starts no private Redis): one line naming the address", async () => {
    const port = await pickFreePort();
    const r = await qoem(["start"], { ...slackEnv(slack.apiUrl), REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.said).toEqual([expect.stringMatching(new RegExp(`^qoem: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); start one`))]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
