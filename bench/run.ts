// Benchmark runner: `npm run bench` runs every scenario, `npm run bench -- <name>` one of them.
// Each scenario prints its figures and ends with one JSON line of its own.
import { ackLatency } from "./ack-latency.ts";
import { bulkOnboard } from "./bulk-onboard.ts";
import { bulkOnboardEstate } from "./bulk-onboard-estate.ts";
import { estateSweep } from "./estate-sweep.ts";
import { fleetSweep } from "./fleet-sweep.ts";
import { rollout } from "./rollout.ts";

const scenarios: Record<string, () => Promise<Record<string, unknown>>> = {
  ack: ackLatency,
  "bulk-onboard": bulkOnboard,
  "bulk-onboard-estate": bulkOnboardEstate,
  "estate-sweep": estateSweep,
  "fleet-sweep": fleetSweep,
  rollout,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(scenarios);
let failed = false;
if (names.length > 1) {
  // Each scenario in a process of its own, so memory figures are never another scenario's leftovers.
  const { spawnSync } = await import("node:child_process");
  const bin = new URL("../bin/bench.js", import.meta.url).pathname;
  for (const name of names) {
    const run = spawnSync(process.execPath, [bin, name, ...process.argv.slice(2).filter((a) => a.startsWith("-"))], { stdio: "inherit" });
    if (run.status !== 0) failed = true;
  }
  process.exit(failed ? 1 : 0);
}
for (const name of names) {
  const scenario = scenarios[name];
  if (!scenario) {
    process.stderr.write(`unknown scenario '${name}' (scenarios: ${Object.keys(scenarios).join(", ")})\n`);
    process.exit(2);
  }
  try {
    const figures = await scenario();
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } catch (error) {
    failed = true;
    process.stderr.write(`${name} failed: ${(error as Error).stack ?? String(error)}\n`);
  }
}
process.exit(failed ? 1 : 0);
