/**
 * Offboard approvals in Redis: four eyes (never the requester), an expiry, exactly one decision
 * however many times and however fast the buttons are clicked (decided atomically in Lua with
 * Redis's clock), at most one pending request per customer, and nothing lost on a restart.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { RedisKeys } from "./redis-keys.ts";

export const approvalSchema = z.object({
  id: z.string(),
  customer: z.string(),
  operation: z.literal("offboard"),
  purgeAfterDays: z.coerce.number().int(),
  requestedBy: z.string(),
  requestedSurface: z.string(),
  requestedAt: z.string(),
  expiresAt: z.coerce.number(),
  status: z.enum(["pending", "approved", "rejected", "expired"]),
  deployment: z.string(),
  effect: z.string(),
  previousStatus: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  reason: z.string().optional(),
  jobId: z.string().optional(),
  /** Where the request message is (Slack), so it can be edited after the decision. */
  requestChannel: z.string().optional(),
  requestTs: z.string().optional(),
  /** The requester's thread, where the offboard's steps are reported. */
  replyChannel: z.string().optional(),
  replyThreadTs: z.string().optional(),
  replyProgressTs: z.string().optional(),
});
export type Approval = z.infer<typeof approvalSchema>;

export type DecisionResult =
  | { ok: true; approval: Approval }
  | { ok: false; code: "unknown" | "self" | "expired" | "decided"; approval?: Approval; message: string };

const createScript = `
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('HSET', KEYS[1], unpack(ARGV, 4))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 30 * 86400000)
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
  return ''
end
return redis.call('GET', KEYS[2])
`;

// KEYS: approval, approval-for, pending. ARGV: decider, decision, reason.
const decideScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return 'decided' end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('HGET', KEYS[1], 'id')
if now > tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  redis.call('HSET', KEYS[1], 'status', 'expired')
  redis.call('ZREM', KEYS[3], id)
  if redis.call('GET', KEYS[2]) == id then redis.call('DEL', KEYS[2]) end
  return 'expired'
end
if ARGV[2] == 'expire' then return 'pending' end
if redis.call('HGET', KEYS[1], 'requestedBy') == ARGV[1] then return 'self' end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decidedBy', ARGV[1], 'decidedAt', ARGV[4])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
redis.call('ZREM', KEYS[3], id)
if redis.call('GET', KEYS[2]) == id then redis.call('DEL', KEYS[2]) end
return 'ok'
`;

const newId = () => `r${[...randomBytes(10)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("")}`;

export class Approvals {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly expiryMs = 24 * 3_600_000,
  ) {}

  async get(id: string): Promise<Approval | undefined> {
    const raw = await this.redis.hgetall(this.keys.approval(id));
    const parsed = approvalSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /** A new pending request, or the customer's pending one if there already is one. */
  async create(input: Omit<Approval, "id" | "status" | "expiresAt" | "requestedAt">): Promise<{ created: boolean; approval: Approval }> {
    const id = newId();
    const now = Date.now();
    const approval: Approval = { ...input, id, status: "pending", requestedAt: new Date(now).toISOString(), expiresAt: now + this.expiryMs };
    const fields = Object.entries(approval).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    const existing = String(await this.redis.eval(createScript, 3, this.keys.approval(id), this.keys.approvalFor(input.customer), this.keys.approvalsPending(), id, String(this.expiryMs), String(approval.expiresAt), ...fields));
    if (existing === "") return { created: true, approval };
    const pending = await this.get(existing);
    if (pending) return { created: false, approval: pending };
    // The pointer outlived its request: clear it and try once more.
    await this.redis.del(this.keys.approvalFor(input.customer));
    return this.create(input);
  }

  async attach(id: string, fields: Partial<Pick<Approval, "requestChannel" | "requestTs" | "replyChannel" | "replyThreadTs" | "replyProgressTs" | "jobId">>): Promise<void> {
    const clean = Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
    if (clean.length) await this.redis.hset(this.keys.approval(id), ...clean);
  }

  async decide(id: string, decider: string, decision: "approved" | "rejected" | "expire", reason = ""): Promise<DecisionResult> {
    const approval = await this.get(id);
    if (!approval) return { ok: false, code: "unknown", message: `there is no approval request ${id}` };
    const code = String(await this.redis.eval(decideScript, 3, this.keys.approval(id), this.keys.approvalFor(approval.customer), this.keys.approvalsPending(), decider, decision, reason, new Date().toISOString()));
    const after = (await this.get(id)) ?? approval;
    switch (code) {
      case "ok":
        return { ok: true, approval: after };
      case "self":
        return { ok: false, code: "self", approval: after, message: "you asked for this offboard, so someone else must approve it (four eyes)" };
      case "expired":
        return { ok: false, code: "expired", approval: after, message: `this request expired at ${new Date(after.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC; ask again with /qoem offboard ${after.customer}` };
      case "decided":
        return { ok: false, code: "decided", approval: after, message: `this request was already ${after.status}${after.decidedBy ? ` by ${after.decidedBy}` : ""}${after.decidedAt ? ` at ${after.decidedAt.slice(0, 16).replace("T", " ")} UTC` : ""}` };
      case "pending":
        return { ok: false, code: "decided", approval: after, message: "this request is still pending" };
      default:
        return { ok: false, code: "unknown", message: `there is no approval request ${id}` };
    }
  }

  async pendingFor(customer: string): Promise<Approval | undefined> {
    const id = await this.redis.get(this.keys.approvalFor(customer));
    const approval = id ? await this.get(id) : undefined;
    return approval?.status === "pending" && approval.expiresAt > Date.now() ? approval : undefined;
  }

  async listPending(): Promise<Approval[]> {
    const ids = await this.redis.zrangebyscore(this.keys.approvalsPending(), String(Date.now()), "+inf");
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((a): a is Approval => a?.status === "pending");
  }

  /** Marks every pending request past its expiry as expired; returns them (for their messages and the registry). */
  async expireDue(): Promise<Approval[]> {
    const ids = await this.redis.zrangebyscore(this.keys.approvalsPending(), "-inf", String(Date.now()));
    const expired: Approval[] = [];
    for (const id of ids) {
      const result = await this.decide(id, "qoem", "expire");
      if (!result.ok && result.code === "expired" && result.approval) expired.push(result.approval);
      else if (!result.ok && result.code !== "expired") await this.redis.zrem(this.keys.approvalsPending(), id);
    }
    return expired;
  }
}
