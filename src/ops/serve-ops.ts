// The ops endpoints (/healthz, /readyz, /metrics) as one request handler: on a port of their own (QOEM_OPS_PORT) or beside Slack's on PORT.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CustomRoute } from "@slack/bolt";
import type { Readiness } from "./check-readiness.ts";
import { metricsRegistry } from "./metrics.ts";
import { portInUseMessage } from "../check-ports-free.ts";

export const opsPaths = ["/healthz", "/readyz", "/metrics"] as const;

export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, "application/json", `${JSON.stringify(value)}\n`);

export function createOpsHandler(readiness: () => Promise<Readiness>): OpsHandler {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { error: "GET only" });
    const fail = (error: unknown) => json(res, 500, { error: (error as Error).message });
    switch (path) {
      case "/healthz":
        // Alive: the event loop answered. Dependencies are /readyz's business.
        return json(res, 200, { status: "ok" });
      case "/readyz":
        return void readiness().then((r) => json(res, r.ready ? 200 : 503, r), fail);
      case "/metrics":
        return void metricsRegistry.metrics().then((text) => send(res, 200, metricsRegistry.contentType, text), fail);
      default:
        return json(res, 404, { error: `not found; try ${opsPaths.join(", ")}` });
    }
  };
}

/** The same endpoints as routes of Bolt's HTTP receiver (Slack over HTTP serves them on PORT). */
export function opsRoutes(handler: OpsHandler): CustomRoute[] {
  return opsPaths.map((path) => ({ path, method: ["GET", "HEAD"], handler }));
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on every interface, as Slack's receiver does, so a container's probes and Prometheus reach it. */
export async function startOpsServer(port: number, handler: OpsHandler): Promise<OpsServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new Error(portInUseMessage({ port, setting: "QOEM_OPS_PORT" })) : e));
    server.listen(port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
