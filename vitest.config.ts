import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // REDIS_URL's Redis, or a private redis-server for the run where none answers.
    globalSetup: ["test/support/provide-redis.ts"],
  },
});
