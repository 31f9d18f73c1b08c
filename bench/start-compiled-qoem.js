// Starts qoem from dist/ (compiled JavaScript, no tsx) for benchmarks that measure its own process; BENCH_RATE_LIMITS sets its rate gate.
// V8 tuned as bin/qoem.js tunes it (the measured process is the product as it runs).
import "../bin/tune-v8.js";
import { existsSync } from "node:fs";

const dist = new URL("../dist/src/", import.meta.url);
if (!existsSync(new URL("main.js", dist))) {
  process.stderr.write("no compiled code in dist/: run `npm run build`\n");
  process.exit(1);
}
const { readConfig } = await import(new URL("config.js", dist).href);
const { startQoem } = await import(new URL("main.js", dist).href);
const rateLimits = process.env.BENCH_RATE_LIMITS ? JSON.parse(process.env.BENCH_RATE_LIMITS) : undefined;
// BENCH_WORKER_CONCURRENCY: operation jobs at once in this process (bulk onboarding).
const worker = process.env.BENCH_WORKER_CONCURRENCY ? { worker: { concurrency: Number(process.env.BENCH_WORKER_CONCURRENCY) } } : {};
// BENCH_ROLLOUT_CONCURRENCY: customers one rollout updates at once (the rollout benchmark).
const rollout = process.env.BENCH_ROLLOUT_CONCURRENCY ? { rolloutConcurrency: Number(process.env.BENCH_ROLLOUT_CONCURRENCY) } : {};
const qoem = await startQoem(readConfig(process.env), { ...(rateLimits ? { rateLimits } : {}), ...worker, ...rollout });
process.stdout.write(`compiled qoem ready (pid ${process.pid})\n`);
process.once("SIGTERM", () => void qoem.close().then(() => process.exit(0)));
// BENCH_MEMORY_EVERY_MS: where the resident memory goes (V8 heap, its capacity, buffers), for finding what grows.
if (process.env.BENCH_MEMORY_EVERY_MS) {
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n) => Math.round(n / 1048576);
    process.stderr.write(`memory rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
  }, Number(process.env.BENCH_MEMORY_EVERY_MS)).unref();
}
