// The shape of one emulated Qlik Cloud endpoint.
import type { IncomingHttpHeaders } from "node:http";
import type { CloudState, EmuTenant, TokenGrant } from "./cloud-state.ts";
import type { Tier } from "./rate-limiter.ts";

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
  /** null: not rate limited (token endpoint, product info). */
  tier: Tier | null;
  auth: boolean;
  handle(req: EmuRequest): Reply | Promise<Reply>;
}
