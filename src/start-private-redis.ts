// Starts a throwaway redis-server on one address for one process's lifetime (local mode, tests).
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface PrivateRedis {
  /** redis://host:port, with the credentials it was asked for. */
  url: string;
  /** host:port, for messages (no credentials). */
  address: string;
  /** The server's working directory; removed when it stops. */
  dir: string;
  /** Resolves once the server has exited and its directory is gone. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  host: string;
  port: number;
  /** Path of the redis-server binary (see findOnPath). */
  binary: string;
  username?: string;
  password?: string;
}

/**
 * The server runs under a small sh that holds the read end of a pipe from this process: when this
 * process ends for any reason (normal exit, crash, SIGKILL) the pipe closes, sh stops redis-server
 * and removes its directory. The server gets its own process group, so a terminal's Ctrl-C reaches
 * qoem only, and qoem closes its connections before the server stops.
 */
const guardScript = `
dir=$1; shift
exec 3<&0 </dev/null
"$@" 3<&- &
server=$!
{ read -r _ <&3; kill "$server" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$server"; status=$?
kill "$watcher" 2>/dev/null
rm -rf "$dir"
exit "$status"
`;

const readyWithinMs = 10_000;

/** The first executable `name` on a PATH-style list of directories. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether something accepts a TCP connection at host:port (a Redis, or whatever holds the port). */
export function somethingListens(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: unbracket(host), port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Whether a Redis answers PING at host:port (an authentication error counts as an answer). */
export function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: unbracket(host), port });
    let received = "";
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.includes("\r\n")) done(/^(\+PONG|-NOAUTH|-LOADING)/.test(received));
    });
    socket.once("error", () => done(false));
    socket.once("end", () => done(false));
  });
}

export function isLoopback(hostname: string): boolean {
  const host = unbracket(hostname).toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, "$1");
const quote = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function serverConfig(options: PrivateRedisOptions, dir: string): string {
  const host = unbracket(options.host);
  // "localhost" may resolve to either family; "-" makes ::1 optional where IPv6 is off.
  const bind = host === "localhost" ? "127.0.0.1 -::1" : host;
  const lines = [`port ${options.port}`, `bind ${bind}`, `save ""`, "appendonly no", `dir ${quote(dir)}`, "loglevel warning"];
  if (options.password !== undefined) {
    if (options.username && options.username !== "default") lines.push(`user ${options.username} on ${quote(`>${options.password}`)} ~* &* +@all`);
    else lines.push(`requirepass ${quote(options.password)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Starts redis-server at host:port with no persistence; resolves once it answers PING. */
export async function startPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "qoem-redis-"));
  const conf = join(dir, "redis.conf");
  writeFileSync(conf, serverConfig(options, dir), { mode: 0o600 });
  let guard: ChildProcess;
  try {
    guard = spawn("/bin/sh", ["-c", guardScript, "qoem-redis-guard", dir, options.binary, conf], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-2000);
  };
  guard.stdout?.on("data", keep);
  guard.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => guard.once("close", (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const stop = async () => {
    guard.stdin?.end();
    await exited;
  };

  const auth = options.password === undefined ? "" : `${options.username ? encodeURIComponent(options.username) : ""}:${encodeURIComponent(options.password)}@`;
  const url = `redis://${auth}${options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host}:${options.port}`;
  const giveUpAt = Date.now() + readyWithinMs;
  while (!(await redisAnswers(options.host, options.port, 500))) {
    if (ended || Date.now() > giveUpAt) {
      await stop();
      const why = output.trim().split("\n").slice(-3).join(" | ") || (ended ? "it exited" : `no answer within ${readyWithinMs / 1000}s`);
      throw new Error(`redis-server did not start at ${options.host}:${options.port}: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, address: `${options.host}:${options.port}`, dir, stop };
}
