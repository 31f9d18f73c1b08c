// followJob never waits forever: on a job that never finishes it gives up after its timeout, says
// so, and leaves no listener behind; the shell then prints a clear line and gives the prompt back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { followJob } from "../../src/queue/follow-job.ts";
import { deletePrefix, REDIS_URL, testPrefix } from "../support/redis-prefix.ts";
import { startTestQoem } from "../support/start-test-qoem.ts";
import { waitUntil } from "../support/wait-until.ts";

const prefix = `{${testPrefix("follow-job")}}`;
let redis: Redis;
let queue: Queue;
let events: QueueEvents;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue("operations", { connection: redis, prefix });
  events = new QueueEvents("operations", { connection: redis.duplicate(), prefix });
  await events.waitUntilReady();
});
afterAll(async () => {
  await events?.close();
  await queue?.close();
  await redis?.quit();
  await deletePrefix(prefix.slice(1, -1));
});

describe("followJob", () => {
  it("gives up within its timeout when the event stream cannot connect at all (no Redis there)", async () => {
    const unreachable = { host: "127.0.0.1", port: 1, maxRetriesPerRequest: null, retryStrategy: () => 200, lazyConnect: true };
    const deadEvents = new QueueEvents("operations", { connection: unreachable, prefix, autorun: false });
    deadEvents.on("error", () => undefined);
    try {
      const outcome = await followJob(deadEvents, queue, "no-such-job", () => undefined, { timeoutMs: 300 });
      expect(outcome).toEqual({ state: "timeout", error: expect.stringMatching(/event stream did not connect within 300 ms/) });
    } finally {
      await deadEvents.close().catch(() => undefined);
    }
  });

  it("gives up on a job that never finishes after its timeout, and removes its listeners", async () => {
    // No worker takes this queue: the job waits forever.
    const job = await queue.add("never", {});
    const listeners = () => ["progress", "completed", "failed"].map((e) => events.listenerCount(e));
    const before = listeners();
    const outcome = await followJob(events, queue, job.id!, () => undefined, { timeoutMs: 300 });
    expect(outcome.state).toBe("timeout");
    expect(outcome.error).toMatch(/still waiting after 300 ms/);
    expect(listeners()).toEqual(before);
    expect(await job.getState()).toBe("waiting");
  });

  it("lets the shell say the operation is still running and take the next command", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString("utf8")));
    // Chat only, no worker: the listing the shell asks for is queued and never taken.
    const qoem = await startTestQoem("follow-shell", { QOEM_ROLES: "chat" }, { shell: { input, output, followTimeoutMs: 300 } });
    try {
      input.write("list\n");
      await waitUntil(() => /has not finished yet/.test(printed), "the shell's still-running line");
      expect(printed).toMatch(/⏳ job list\.\S+ has not finished yet \(not started\); it goes on, but this answer stops waiting for it\./);
      input.write("help\n");
      await waitUntil(() => /onboard <customer>/.test(printed), "the next command answered");
      input.end();
      await qoem.shellDone;
    } finally {
      await qoem.stop();
    }
  });
});
