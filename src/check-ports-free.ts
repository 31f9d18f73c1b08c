// Start-up check: every port this process will listen on is free, said in one line naming the port and the setting that chose it (not a stack trace, and before anything else has started).
import { createServer } from "node:net";

export interface WantedPort {
  port: number;
  /** Where the port was chosen: PORT, QOEM_OPS_PORT, `qoem emulate --port`, ... */
  setting: string;
}

/** The one line a port already in use is reported with. */
export function portInUseMessage(wanted: WantedPort): string {
  return `port ${wanted.port} (${wanted.setting}) is already in use: stop what listens there or choose another port`;
}

/** Listens on the port (every interface, as qoem's servers do) and lets it go at once; port 0 (any free port) is never in use. */
function probe(wanted: WantedPort): Promise<void> {
  if (wanted.port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => reject(new Error(e.code === "EADDRINUSE" ? portInUseMessage(wanted) : `cannot listen on port ${wanted.port} (${wanted.setting}): ${e.code ?? e.message}`)));
    server.listen({ port: wanted.port, exclusive: true }, () => server.close(() => resolve()));
  });
}

export async function checkPortsFree(ports: WantedPort[]): Promise<void> {
  for (const wanted of ports) await probe(wanted);
}
