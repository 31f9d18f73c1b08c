// Small HTTP helpers shared by the Qlik emulators: JSON bodies, Qlik's error shape, random ids.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** Qlik's standard error body: `{errors:[{code,title,detail,status}], traceId}`. */
export function qlikError(status: number, code: string, title: string, detail?: string, extra: object = {}): HttpError {
  const entry: Record<string, unknown> = { code, title, status: String(status), ...extra };
  if (detail !== undefined) entry.detail = detail;
  return new HttpError(status, { errors: [entry], traceId: randomBytes(16).toString("hex") });
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw qlikError(413, "HTTP-413", "Payload too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw qlikError(400, "HTTP-400", "Bad request", "The request body is not valid JSON.");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export function randomId(length: number, chars = alphabet): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += chars[bytes[i]! % chars.length];
  return out;
}

export const lowerId = (length: number) => randomId(length, "abcdefghijklmnopqrstuvwxyz0123456789");

/** The licences API's errorResponse also requires the deprecated top-level `error` and `message`. */
export function shapeErrorFor(specPath: string, body: unknown): unknown {
  if (!specPath.startsWith("/v1/licenses") || typeof body !== "object" || body === null || !("errors" in body)) return body;
  const first = (body as { errors: Array<{ title?: string; detail?: string }> }).errors[0];
  return { error: "util.Error", message: first?.detail ?? first?.title ?? "error", ...body };
}
