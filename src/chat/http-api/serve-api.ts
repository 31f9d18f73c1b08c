// The provisioning API on a port of its own (local mode, Socket Mode): anything outside /api/ is 404.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { portInUseMessage } from "../../check-ports-free.ts";

export async function serveApi(api: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void api(req, res).then((handled) => {
      if (handled) return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "the provisioning API lives under /api/" } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(new Error(e.code === "EADDRINUSE" ? portInUseMessage({ port, setting: "QOEM_API_PORT" }) : `the API cannot listen on port ${port}: ${e.message}`)));
    server.listen(port, "0.0.0.0", () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
