// A one-file vitest project run by test/integration/provide-redis.test.ts: the suite's global setup, a forked worker.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/support/provide-redis-project/*.check.ts"],
    pool: "forks",
    globalSetup: ["test/support/provide-redis.ts"],
  },
});
