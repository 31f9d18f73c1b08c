// Starts qoem from dist/ (compiled JavaScript, no tsx) for benchmarks that measure its own process; BENCH_RATE_LIMITS sets its rate gate.
import { existsSync } from "node:fs";

const dist = new URL("../dist/src/", import.meta.url);
if (!existsSync(new URL("main.js", dist))) {
  process.stderr.write("no compiled code in dist/: run `npm run build`\n");
  process.exit(1);
}
const { readConfig } = await import(new URL("config.js", dist).href);
const { startQoem } = await import(new URL("main.js", dist).href);
const rateLimits = process.env.BENCH_RATE_LIMITS ? JSON.parse(process.env.BENCH_RATE_LIMITS) : undefined;
const qoem = await startQoem(readConfig(process.env), rateLimits ? { rateLimits } : {});
process.stdout.write(`compiled qoem ready (pid ${process.pid})\n`);
process.once("SIGTERM", () => void qoem.close().then(() => process.exit(0)));
