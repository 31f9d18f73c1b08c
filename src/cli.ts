/**
 * The `qoem` executable: `start` (the bot), `emulate` (the Qlik emulators on their own),
 * `run "<command text>" [--json] [--as USER]` (one command through the same queue: run-command.ts).
 */
import { ConfigError, readConfig, type Config } from "./config.ts";
import { startQoem } from "./main.ts";
import { z } from "zod";
import { startCloudEmulator, type CloudEmulatorOptions } from "../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import { startSiteEmulator } from "../adapters/client-managed/emulator/site-emulator.ts";
import { emulatorDefaults, emulatorOrganizationClient, emulatorRegionClient, emulatorSubscriptionId } from "../adapters/qlik-cloud/emulator/emulator-credentials.ts";
import { endEvent, exitCodes, runCommand } from "./chat/cli/run-command.ts";
import { ensureLocalRedis } from "./ensure-local-redis.ts";
import type { PrivateRedis } from "./start-private-redis.ts";
import { portInUseMessage } from "./check-ports-free.ts";

const tierLimit = z.object({ max: z.number().int().positive(), windowMs: z.number().int().positive() }).nullable();
const rateLimitsSchema = z.object({ tier1: tierLimit.optional(), tier2: tierLimit.optional(), special: tierLimit.optional() }).strict();

const usage = `Usage:
  qoem start                      run the bot (local shell without Slack credentials)
  qoem emulate [--port N] [--host H] [--rate-limits JSON]
                                  run the Qlik emulators standalone and print their URLs
  qoem run "<command>" [--json] [--as USER]
                                  run one command through the queue, waiting for the operation it
                                  starts; exit 0 done, 1 failed or refused, 2 malformed
  qoem help                       this text`;

/** Within this after SIGTERM or SIGINT the process has exited, whatever the state (a second signal: at once). */
const STOP_WITHIN_MS = 9_000;

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`qoem: not stopped within ${STOP_WITHIN_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, STOP_WITHIN_MS).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

/** Local mode only: a private redis-server where none answers on this machine (Slack mode never). */
async function localRedis(config: Config): Promise<PrivateRedis | undefined> {
  if (config.mode !== "local") return undefined;
  const redis = await ensureLocalRedis(config.redisUrl, process.env.PATH);
  if (redis) process.stderr.write(`qoem: no Redis was running at ${redis.address}, so a private redis-server serves this session there (data in ${redis.dir}, not kept; stopped with qoem)\n`);
  return redis;
}

/** Runs `session` with local mode's private Redis (if one is needed) and stops that Redis after it. */
async function withLocalRedis(config: Config, session: (stopRedis: () => Promise<void>) => Promise<number>): Promise<number> {
  const redis = await localRedis(config);
  const stopRedis = async () => redis?.stop();
  try {
    return await session(stopRedis);
  } finally {
    await stopRedis();
  }
}

async function start(): Promise<number> {
  const config = readConfig(process.env);
  return withLocalRedis(config, async (stopRedis) => {
    const local = config.mode === "local";
    const qoem = await startQoem(config, local ? { shell: { input: process.stdin, output: process.stdout } } : {});
    onSignals(async () => {
      await qoem.close();
      await stopRedis();
    });
    if (qoem.cloudEmulator) process.stderr.write(`qoem: embedded Qlik Cloud emulator at ${qoem.cloudEmulator.url}\n`);
    if (qoem.shellDone) {
      await qoem.shellDone;
      await qoem.close();
      return 0;
    }
    if (config.slack) process.stderr.write(`qoem: serving Slack ${config.slack.appToken ? "over Socket Mode" : `on port ${qoem.slackPort} at /slack/events`}\n`);
    return new Promise<number>(() => undefined);
  });
}

async function emulate(args: string[]): Promise<number> {
  const portFlag = args.indexOf("--port");
  const port = portFlag >= 0 ? Number(args[portFlag + 1]) : 4010;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port takes a port number, not '${args[portFlag + 1] ?? ""}'\n`);
    return 2;
  }
  const limitsFlag = args.indexOf("--rate-limits");
  let rateLimits: CloudEmulatorOptions["rateLimits"];
  if (limitsFlag >= 0) {
    const parsed = rateLimitsSchema.safeParse((() => {
      try {
        return JSON.parse(args[limitsFlag + 1] ?? "");
      } catch {
        return undefined;
      }
    })());
    if (!parsed.success) {
      process.stderr.write(`--rate-limits takes JSON such as '{"tier1":{"max":1000,"windowMs":60000},"tier2":{"max":100,"windowMs":60000}}'\n`);
      return 2;
    }
    rateLimits = parsed.data;
  }
  // --host: the address (or a name resolving to one) the Qlik Cloud emulator listens on and names in
  // its links, e.g. a compose service name so other containers reach it; the site emulator stays local.
  const hostFlag = args.indexOf("--host");
  const bindHost = hostFlag >= 0 ? args[hostFlag + 1] : undefined;
  if (hostFlag >= 0 && !/^[A-Za-z0-9.:-]+$/.test(bindHost ?? "")) {
    process.stderr.write(`--host takes a host name or address, not '${bindHost ?? ""}'\n`);
    return 2;
  }
  const inUse = (wanted: number, setting: string) => (e: NodeJS.ErrnoException) => {
    throw e.code === "EADDRINUSE" ? new Error(portInUseMessage({ port: wanted, setting })) : e;
  };
  const emu = await startCloudEmulator({ ...emulatorDefaults(), port, ...(bindHost ? { bindHost } : {}), ...(rateLimits ? { rateLimits } : {}) }).catch(inUse(port, "qoem emulate --port"));
  const site = await startSiteEmulator({ port: port === 0 ? 0 : port + 1 }).catch(async (e: NodeJS.ErrnoException) => {
    await emu.close();
    return inUse(port + 1, "the site emulator's port, qoem emulate --port plus one")(e);
  });
  const eu = emulatorRegionClient("eu");
  process.stdout.write(
    [
      `Qlik Cloud emulator: ${emu.url}`,
      `  hosts are path prefixes: ${emu.hostUrl("register.eu.qlikcloud.com")}, ${emu.hostUrl("console.qlikcloud.com")}, ${emu.hostUrl(emu.sourceTenantHost)}`,
      `  region clients: emu-<region>-client / emu-<region>-secret (e.g. ${eu.clientId}); organisation client: ${emulatorOrganizationClient.clientId}; subscription ${emulatorSubscriptionId}`,
      `  admin: GET ${emu.url}/_emulator/state, POST ${emu.url}/_emulator/faults, POST ${emu.url}/_emulator/rate-limits`,
      `Point qoem at it: QOEM_EMULATOR_URL=${emu.url} qoem run "onboard acme eu"`,
      `Client-managed site emulator: QRS ${site.qrsUrl}/qrs, engine ${site.engineUrl}/app/<id>, health check ${site.url}/engine/healthcheck`,
      `  as a site in the config: sites: { onprem: { qrsUrl: ${site.qrsUrl}, engineUrl: ${site.engineUrl} } } (plus jwtPublicKey for virtual proxies)`,
      "",
    ].join("\n"),
  );
  onSignals(async () => {
    await emu.close();
    await site.close();
  });
  await new Promise(() => undefined);
  return 0;
}

/** `run`'s own flags (--json, --as USER); every other word is command text. */
function runArgs(args: string[]): { text: string; json: boolean; user?: string } | { error: string } {
  const words: string[] = [];
  let json = false;
  let user: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--as") {
      const value = args[++i];
      if (value === undefined || !/^[A-Za-z0-9._@-]{1,64}$/.test(value)) return { error: `--as takes a user name or Slack user id (letters, digits, . _ @ -), not '${value ?? ""}'` };
      user = value;
    } else words.push(arg);
  }
  return { text: words.join(" "), json, ...(user ? { user } : {}) };
}

async function run(args: string[]): Promise<number> {
  const parsed = runArgs(args);
  const json = args.includes("--json");
  const fail = (outcome: "malformed" | "failed", error: string) => {
    if (json) process.stdout.write(`${JSON.stringify(endEvent(outcome, { error }))}\n`);
    else process.stderr.write(`${error}\n`);
    return exitCodes[outcome];
  };
  if ("error" in parsed) return fail("malformed", `${parsed.error}\n${usage}`);
  try {
    const config = readConfig(process.env);
    return await withLocalRedis(config, (stopRedis) => runOne(config, parsed, stopRedis));
  } catch (error) {
    // Nothing ran: configuration, Redis, a start-up failure. Said once, as JSON where asked.
    return fail("failed", error instanceof ConfigError ? `configuration error: ${error.message}` : `qoem: ${(error as Error).message}`);
  }
}

async function runOne(config: Config, args: { text: string; json: boolean; user?: string }, stopRedis: () => Promise<void>): Promise<number> {
  // One command's run: no Slack surface and no ops port (the long-running processes have those);
  // stderr keeps warnings and errors unless LOG_LEVEL asks for more.
  const qoem = await startQoem({ ...config, roles: config.roles.filter((r) => r === "worker") as typeof config.roles, slack: undefined, opsPort: undefined, logLevel: config.logLevel ?? "warn" } as typeof config);
  onSignals(async () => {
    await qoem.close();
    await stopRedis();
  });
  try {
    return await runCommand(qoem, {
      text: args.text,
      user: args.user ?? process.env.USER ?? "cli",
      json: args.json,
      write: (line) => void process.stdout.write(`${line}\n`),
      writeError: (line) => void process.stderr.write(`${line}\n`),
    });
  } finally {
    await qoem.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case "start":
    case undefined:
      return start();
    case "emulate":
      return emulate(rest);
    case "run":
      return run(rest);
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${usage}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command '${verb}'\n${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError ? `configuration error: ${error.message}` : `qoem: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
