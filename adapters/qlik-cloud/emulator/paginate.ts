// Cursor pagination as Qlik's tenant APIs do it: `limit`, opaque `next`/`prev`, absolute `links`.
import { qlikError } from "./http-kit.ts";
import type { EmuRequest } from "./route.ts";

export const DEFAULT_PAGE = 10;

const encode = (offset: number) => Buffer.from(`o:${offset}`).toString("base64url");
function decode(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw qlikError(400, "HTTP-400", "Invalid cursor", "The page cursor is not valid.");
  return Number(m[1]);
}

export function paginate<T>(req: EmuRequest, items: T[], path: string, options: { max?: number; cursorParams?: [string, string] } = {}) {
  const [nextParam, prevParam] = options.cursorParams ?? ["next", "prev"];
  const limitText = req.query.get("limit");
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > (options.max ?? 100)) {
    throw qlikError(400, "HTTP-400", "Invalid limit", `limit must be an integer from 1 to ${options.max ?? 100}.`);
  }
  const next = req.query.get(nextParam);
  const prev = req.query.get(prevParam);
  const start = next ? decode(next) : prev ? Math.max(0, decode(prev) - limit) : 0;
  const page = items.slice(start, start + limit);
  const link = (param?: string, offset?: number) => {
    const q = new URLSearchParams(req.query);
    q.delete(nextParam);
    q.delete(prevParam);
    if (param && offset !== undefined) q.set(param, encode(offset));
    return { href: `${req.base}${path}?${q.toString()}` };
  };
  const links: Record<string, { href: string }> = { self: link() };
  if (start + limit < items.length) links.next = link(nextParam, start + limit);
  if (start > 0) links.prev = link(prevParam, start);
  return { data: page, links };
}
