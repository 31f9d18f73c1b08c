import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Every answer of the emulators is checked against Qlik's specification (adapters/qlik-cloud/emulator/check-against-spec.ts).
    env: { QOEM_EMULATOR_CHECK_ANSWERS: "1" },
    // REDIS_URL's Redis, or a private redis-server for the run where none answers.
    globalSetup: ["test/support/provide-redis.ts"],
  },
});
