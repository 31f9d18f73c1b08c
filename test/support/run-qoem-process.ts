// A qoem process for multi-process tests: startQoem with the environment as `qoem start` reads it, plus the worker options a test needs (short job locks, so a killed worker's jobs move on in seconds). Run with `node --import tsx`.
import { z } from "zod";
import { readConfig } from "../../src/config.ts";
import { startQoem } from "../../src/main.ts";

const workerOptions = z.object({ lockDurationMs: z.number().int().positive(), stalledIntervalMs: z.number().int().positive(), concurrency: z.number().int().positive() }).partial().strict();
const worker = workerOptions.parse(JSON.parse(process.argv[2] ?? "{}"));
const qoem = await startQoem(readConfig(process.env), { worker });
process.stdout.write("qoem process ready\n");
process.once("SIGTERM", () => void qoem.close().then(() => process.exit(0), () => process.exit(1)));
