/**
 * Runs a Lua script by its SHA1 (EVALSHA), as ioredis's defineCommand does: Redis keeps every script
 * it has run, so the text travels once per server, not on every call (the rate gate runs one per Qlik
 * call). After a restart or SCRIPT FLUSH Redis answers NOSCRIPT, and the script is sent once more.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

// Keyed by the script's text: the scripts are constants, so this holds one entry per script.
const shas = new Map<string, string>();

export async function evalScript(redis: Redis, script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash("sha1").update(script).digest("hex");
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, numKeys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return redis.eval(script, numKeys, ...args);
  }
}
