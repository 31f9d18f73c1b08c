// The shape of one emulated Qlik Cloud endpoint.
import type { IncomingHttpHeaders } from "node:http";
import type { CloudState, EmuTenant, TokenGrant } from "./cloud-state.ts";
import type { Tier } from "./rate-limiter.ts";
import type { QlikOperationId } from "../qlik-operations.ts";

export type HostKind = "register" | "tenant" | "console";

export interface EmuRequest {
  method: string;
  host: string;
  hostKind: HostKind;
  /** The register host's region, or the tenant host's region. */
  region?: string;
  /** Set on a tenant host. */
  tenant?: EmuTenant;
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  raw: Buffer;
  grant?: TokenGrant;
  /** Absolute base URL of this host on the emulator (`http://127.0.0.1:port/<host>`). */
  base: string;
  state: CloudState;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Bytes to send as they are (downloads) instead of a JSON body. */
  raw?: Buffer;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  path: RegExp;
  hosts: HostKind[];
  /**
   * From the specification for a route built by `specRoute`; set by hand only for paths outside it
   * (null: not rate limited, as product info).
   */
  tier: Tier | null;
  /** The specification operation this route serves: its requests and answers are checked against it. */
  operation?: QlikOperationId;
  auth: boolean;
  handle(req: EmuRequest): Reply | Promise<Reply>;
}
