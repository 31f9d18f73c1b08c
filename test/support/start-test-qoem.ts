// Starts a whole qoem for a test: its own Redis prefix, embedded emulators, optionally a Slack surface on a fake Slack.
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { readConfig, type Config } from "../../src/config.ts";
import { startQoem, type QoemHandle, type StartOptions } from "../../src/main.ts";
import { redactedPaths } from "../../src/create-logger.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "./redis-prefix.ts";

export interface TestQoem extends QoemHandle {
  prefix: string;
  logLines: string[];
  stop(): Promise<void>;
}

export function captureLogger(lines: string[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return pino({ level: "debug", base: { app: "qoem" }, redact: { paths: redactedPaths, censor: "[redacted]" } }, sink);
}

export async function startTestQoem(name: string, env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestQoem> {
  const prefix = testPrefix(name);
  const config: Config = readConfig({ REDIS_URL, QOEM_PREFIX: prefix, QOEM_EMULATORS: "1", PORT: "0", ...env });
  const logLines: string[] = [];
  const handle = await startQoem(config, { logger: captureLogger(logLines), worker: { lockRetryMs: 200 }, ...options });
  return {
    ...handle,
    prefix,
    logLines,
    async stop() {
      await handle.close();
      // Workers may write their queue's meta key while closing; delete after they have settled.
      await new Promise((r) => setTimeout(r, 200));
      await deletePrefix(prefix);
    },
  };
}
