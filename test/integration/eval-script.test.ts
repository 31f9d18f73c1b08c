// Lua scripts go by SHA: the text is sent only when Redis does not know the script yet (NOSCRIPT).
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { evalScript } from "../../src/core/eval-script.ts";
import { REDIS_URL, testPrefix } from "../support/redis-prefix.ts";

describe("evalScript", () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const key = `{${testPrefix("eval-script")}}:n`;
  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it("sends a script's text once, when Redis answers NOSCRIPT, and its SHA from then on", async () => {
    await redis.ping();
    // A script this Redis has never seen (it names this run's key), so the first call meets NOSCRIPT.
    const script = `return redis.call('INCRBY', KEYS[1], ARGV[1]) -- ${key}`;
    const sent: string[] = [];
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: Parameters<typeof original>[0]) => {
      if (command.name === "eval" || command.name === "evalsha") sent.push(command.name);
      return original(command);
    }) as typeof redis.sendCommand;
    expect(await evalScript(redis, script, 1, key, 2)).toBe(2);
    expect(await evalScript(redis, script, 1, key, 3)).toBe(5);
    expect(await evalScript(redis, script, 1, key, 4)).toBe(9);
    expect(sent).toEqual(["evalsha", "eval", "evalsha", "evalsha"]);
    // Other errors are the script's own, not a reason to send it again.
    await expect(evalScript(redis, "return redis.call('NO-SUCH-COMMAND')", 0)).rejects.toThrow(/unknown/i);
  });
});
