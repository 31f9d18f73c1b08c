// Runs the Qlik Cloud emulator in a process of its own (`qoem emulate`), as Qlik would be: the
// benchmark then measures qoem's process alone, and the two do not share one CPU core.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const stateSchema = z.object({
  tenants: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), hostnames: z.array(z.string()), created: z.string(), region: z.string().optional() })),
  http429: z.number(),
  allowedCalls: z.number(),
  boundMs: z.number(),
  /** Calls let through per `tier|host` bucket: which host's limit bounds a run. */
  allowedByBucket: z.record(z.string(), z.number()).default({}),
  /** Engine sessions (WebSocket) opened, still open, and refused by reason. */
  engine: z.object({ sessions: z.number(), active: z.number(), refused: z.record(z.string(), z.number()) }).default({ sessions: 0, active: 0, refused: {} }),
});
export type EmulatorState = z.infer<typeof stateSchema>;

export async function spawnEmulator(rateLimits: object): Promise<{ url: string; state(): Promise<EmulatorState>; close(): Promise<void> }> {
  const bin = fileURLToPath(new URL("../bin/qoem.js", import.meta.url));
  const child = spawn(process.execPath, [bin, "emulate", "--port", "0", "--rate-limits", JSON.stringify(rateLimits)], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = /Qlik Cloud emulator: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
  child.stdout.resume();
  return {
    url,
    async state() {
      const res = await fetch(`${url}/_emulator/state`);
      return stateSchema.parse(await res.json());
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
