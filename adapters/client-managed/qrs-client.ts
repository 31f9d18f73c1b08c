/**
 * A client for the Qlik Repository Service: every call carries a fresh Xrfkey (query parameter and
 * header, the same 16 alphanumerics), the service identity in X-Qlik-User, and the site's client
 * certificate where configured. Answers are validated; failures become qoem's error codes.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { QoemError, type OnQlikCall, type RateGate } from "../port.ts";

export interface SiteTls {
  cert?: string;
  key?: string;
  ca?: string;
}

export interface QrsAccess {
  qrsUrl: string;
  userDirectory: string;
  userId: string;
  tls?: SiteTls;
  timeoutMs?: number;
}

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export const newXrfkey = () => [...randomBytes(16)].map((b) => ALNUM[b % ALNUM.length]).join("");

/** A QRS filter string literal: single-quoted, inner quotes doubled, so no value can end the literal. */
export const qrsString = (value: string) => `'${value.replace(/'/g, "''")}'`;
/** A GUID for a filter or a path, refused unless it is one. */
export function qrsGuid(value: string): string {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)) throw new QoemError("permanent", `'${value.slice(0, 40)}' is not a GUID`);
  return value;
}

export class QrsClient {
  constructor(
    private readonly access: QrsAccess,
    /**
     * Passed before every call: the site's own budget (QRS has no tiers; every call counts as tier 1)
     * and where core checks that the operation still owns the customer.
     */
    private readonly gate?: RateGate,
    /** Told of every answer from the repository (metrics). */
    private readonly onCall?: OnQlikCall,
  ) {}

  async call<T>(method: string, path: string, schema: z.ZodType<T>, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<T> {
    const { status, text } = await this.raw(method, path, options);
    if (status === 204 || text === "") return schema.parse(undefined);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new QoemError("transient", `QRS ${method} ${path}: the answer is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new QoemError("permanent", `QRS ${method} ${path}: unexpected answer (${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }

  /** A file the repository serves (an exported app's download path), as bytes. */
  async download(path: string): Promise<Uint8Array> {
    return (await this.raw("GET", path)).bytes;
  }

  async raw(method: string, path: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; text: string; bytes: Uint8Array }> {
    const xrfkey = newXrfkey();
    const url = new URL(`${this.access.qrsUrl.replace(/\/+$/, "")}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    url.searchParams.set("xrfkey", xrfkey);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      "x-qlik-xrfkey": xrfkey,
      "x-qlik-user": `UserDirectory=${this.access.userDirectory}; UserId=${this.access.userId}`,
      accept: "application/json",
      ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}),
    };
    const what = `QRS ${method} ${path}`;
    const done = await this.gate?.wait(url.host, "tier1");
    const { status, bytes } = await new Promise<{ status: number; bytes: Buffer }>((resolve, reject) => {
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(url, { method, headers, ...(url.protocol === "https:" ? { ...this.access.tls } : {}), timeout: this.access.timeoutMs ?? 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          this.onCall?.({ hostKind: "qrs", tier: "none", status: res.statusCode ?? "error" });
          resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) });
        });
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (e) => {
        this.onCall?.({ hostKind: "qrs", tier: "none", status: "error" });
        reject(new QoemError("transient", `${what}: the connection to the repository failed (${e.message})`));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    }).finally(() => done?.());
    const text = bytes.toString("utf8");
    if (status >= 200 && status < 300) return { status, text, bytes };
    const detail = text.slice(0, 200).replace(/\s+/g, " ");
    if (status === 404) throw new QoemError("not_found", `${what}: not found (${detail})`);
    if (status === 409) throw new QoemError("conflict", `${what}: conflict (${detail})`);
    if (status === 429) throw new QoemError("rate_limited", `${what}: too many requests`, { retryAfterMs: 1000 });
    if (status >= 500) throw new QoemError("transient", `${what}: the repository answered ${status}`);
    if (status === 403 || status === 401) throw new QoemError("permanent", `${what}: refused (HTTP ${status}: ${detail}); check the site's certificates and user`);
    throw new QoemError("permanent", `${what}: rejected (HTTP ${status}: ${detail})`);
  }
}
