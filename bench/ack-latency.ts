/**
 * ack: how long Slack waits for qoem's HTTP ack, beside a bare Bolt app that acks the same signed
 * slash commands with a fixed text. Each app runs in a process of its own (qoem with the chat role
 * only, as a chat process is deployed apart from workers); this process signs and sends the requests
 * and plays Slack's Web API and response_url. The two are sent the same commands, interleaved one at
 * a time (`help`, `status <customer>`, `onboard <customer> eu` with a new customer each time), and
 * timed from sending to the whole ack read. Then 200 slash commands go at once to bare Bolt (for
 * reference) and to qoem. The machine's load average is printed with the figures: they are only
 * comparable side by side, within one run.
 */
import { availableParallelism, loadavg } from "node:os";
import { Redis } from "ioredis";
import { CustomerRegistry } from "../src/core/customer-registry.ts";
import { RedisKeys } from "../src/core/redis-keys.ts";
import { startFakeSlack, type FakeSlack } from "../test/support/fake-slack.ts";
import { deletePrefix, REDIS_URL } from "../test/support/redis-prefix.ts";
import { postSigned, slashCommandBody } from "../test/support/slack-requests.ts";
import { envWithout, qoemBin, spawnProcess, type SpawnedProcess } from "../test/support/spawn-process.ts";

const N = Number(process.env.BENCH_ACK_N ?? 300);
const WARMUP = 50;
const BURST = 200;
const SECRET = "bench-ack-signing-secret";
const COMMANDS = ["help", "status", "onboard"] as const;
type CommandName = (typeof COMMANDS)[number];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (ms: number) => Number(ms.toFixed(2));

function commandText(name: CommandName, tag: string): string {
  return name === "help" ? "help" : name === "status" ? "status bench-acme" : `onboard bench-${tag} eu`;
}

/** Sends one signed slash command and returns the milliseconds until its ack was read in full. */
async function timeAck(url: string, slack: FakeSlack, text: string, responseId: string): Promise<number> {
  const body = slashCommandBody(text, { responseUrl: slack.responseUrl(responseId) });
  const started = performance.now();
  const res = await postSigned(url, SECRET, body);
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`'${text}' was answered ${res.status}`);
  return ms;
}

async function stopProcess(p: SpawnedProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
  await p.exited;
}

/** Waits until the apps stop talking to the fake Slack (answers after the acks), at most 30 s. */
async function settle(slack: FakeSlack): Promise<void> {
  let seen = -1;
  for (const deadline = Date.now() + 30_000; slack.calls.length !== seen && Date.now() < deadline; ) {
    seen = slack.calls.length;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function ackLatency(): Promise<Record<string, unknown>> {
  const prefix = `qoem-bench-ack-${process.pid}`;
  const slack = await startFakeSlack();
  const env = { ...envWithout("SLACK_APP_TOKEN", "QOEM_CONFIG", "QOEM_EMULATOR_URL", "QOEM_API_PORT", "QOEM_OPS_PORT", "QOEM_ENGINEERS", "QOEM_ONCALL", "QOEM_APPROVERS"), REDIS_URL, SLACK_BOT_TOKEN: "xoxb-bench", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, PORT: "0", LOG_LEVEL: "silent" };
  const qoem = spawnProcess([qoemBin, "start"], { ...env, QOEM_PREFIX: prefix, QOEM_ROLES: "chat", QOEM_EMULATORS: "1" });
  const bolt = spawnProcess(["--import", "tsx", new URL("./bare-bolt-app.ts", import.meta.url).pathname], env);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const [qoemPort, boltPort] = await Promise.all([qoem.waitFor(/serving Slack on port (\d+)/), bolt.waitFor(/bare Bolt: port (\d+)/)]);
    const urls = { qoem: `http://127.0.0.1:${qoemPort[1]}/slack/events`, bolt: `http://127.0.0.1:${boltPort[1]}/slack/events` };
    await new CustomerRegistry(redis, new RedisKeys(prefix)).begin("bench-acme", { kind: "cloud", region: "eu" }, "bench", "active", "U0ENGINEER");
    const load = Number(loadavg()[0]!.toFixed(2));
    process.stderr.write(`ack: load average ${load} on ${availableParallelism()} cores; qoem (chat role, pid ${qoem.child.pid}) and bare Bolt (pid ${bolt.child.pid}); ${N} of each command per app, interleaved, after ${WARMUP} warm-up rounds\n`);

    const samples: Record<"qoem" | "bolt", Record<CommandName, number[]>> = { qoem: { help: [], status: [], onboard: [] }, bolt: { help: [], status: [], onboard: [] } };
    let sent = 0;
    let turn = 0;
    for (let pass = -WARMUP; pass < N; pass++) {
      for (const name of COMMANDS) {
        // Alternate which app goes first, so neither always follows the other's after-ack work.
        const order = turn++ % 2 === 0 ? (["qoem", "bolt"] as const) : (["bolt", "qoem"] as const);
        for (const app of order) {
          const tag = `${pass < 0 ? "w" : "m"}${Math.abs(pass)}-${app}`;
          const ms = await timeAck(urls[app], slack, commandText(name, tag), `${app}-${sent++}`);
          if (pass >= 0) samples[app][name].push(ms);
        }
      }
    }
    await settle(slack);

    // The burst: every command at once, the onboards each for a new customer; bare Bolt's first, for reference.
    const burstOf = async (app: "qoem" | "bolt") => {
      const times = await Promise.all(Array.from({ length: BURST }, (_, i) => timeAck(urls[app], slack, commandText(COMMANDS[i % COMMANDS.length]!, `b${i}-${app}`), `burst-${app}-${i}`)));
      await settle(slack);
      return times.sort((a, b) => a - b);
    };
    const boltBurst = await burstOf("bolt");
    const qoemBurst = await burstOf("qoem");
    const maxAckMs = round(qoemBurst.at(-1)!);

    const commands: Record<string, Record<string, number>> = {};
    for (const name of COMMANDS) {
      const q = [...samples.qoem[name]].sort((a, b) => a - b);
      const b = [...samples.bolt[name]].sort((a, b) => a - b);
      commands[name] = { qoemP50: round(percentile(q, 50)), qoemP99: round(percentile(q, 99)), boltP50: round(percentile(b, 50)), boltP99: round(percentile(b, 99)), p99Ratio: round(percentile(q, 99) / percentile(b, 99)) };
      process.stderr.write(`  ${name.padEnd(8)} qoem p50 ${commands[name]!.qoemP50} ms p99 ${commands[name]!.qoemP99} ms; bare Bolt p50 ${commands[name]!.boltP50} ms p99 ${commands[name]!.boltP99} ms\n`);
    }
    const answered = slack.callsOf("response_url").filter((c) => c.responseId?.startsWith("qoem-") || c.responseId?.startsWith("burst-qoem-")).length;
    process.stderr.write(`  burst of ${BURST}: qoem p50 ${round(percentile(qoemBurst, 50))} ms, slowest ${maxAckMs} ms; bare Bolt p50 ${round(percentile(boltBurst, 50))} ms, slowest ${round(boltBurst.at(-1)!)} ms; qoem answered ${answered} commands at their response_url\n`);
    return { scenario: "ack", n: N, commands, burst: { concurrent: BURST, maxAckMs, boltMaxAckMs: round(boltBurst.at(-1)!) }, loadAverage: load, target: { p99Ratio: 2, burstMaxAckMs: 1000 } };
  } finally {
    await Promise.all([stopProcess(qoem), stopProcess(bolt)]);
    await redis.quit();
    await slack.close();
    await deletePrefix(prefix);
  }
}
