/**
 * Approvals in Redis for what removes a customer's content (an offboard, abandoning a failed
 * onboard, a move and the removal of a moved customer's source) and for what touches every customer
 * (a template rollout): four eyes (never the requester), an expiry, exactly one decision however many times and
 * however fast the buttons are clicked, at most one pending request per customer, and nothing lost
 * on a restart. The subject's status moves in the same Lua call as the request and its decision
 * (a customer: active -> offboard-pending -> offboarding, or back on reject and expiry; a rollout:
 * requested -> awaiting-approval -> approved, or not-approved), so the registry, the rollout and
 * the approval never disagree, whichever process or surface decides.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { RedisKeys } from "./redis-keys.ts";
import { evalScript } from "./eval-script.ts";

export const approvalSchema = z.object({
  id: z.string(),
  customer: z.string(),
  operation: z.enum(["offboard", "abandon", "move", "move-removal", "rollout"]),
  purgeAfterDays: z.coerce.number().int(),
  requestedBy: z.string(),
  requestedSurface: z.string(),
  requestedAt: z.string(),
  expiresAt: z.coerce.number(),
  status: z.enum(["pending", "approved", "rejected", "expired"]),
  deployment: z.string(),
  effect: z.string(),
  previousStatus: z.string(),
  /** A move's target (`cloud:eu`, `client-managed:fra`); a source removal's move id. */
  target: z.string().optional(),
  /** The customer's status while this request waits. */
  pendingStatus: z.string().optional(),
  /** The subject's status after a rejection or expiry, when it is not the one it had (a rollout: not-approved). */
  closedStatus: z.string().optional(),
  /** A rollout's request: the rollout and its template (`customer` is then empty). */
  rolloutId: z.string().optional(),
  template: z.string().optional(),
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

/** The customer statuses of each kind of request: from which it may be asked, while pending, once approved. */
export const approvalStatuses = {
  offboard: { from: ["active"], pending: "offboard-pending", approved: "offboarding" },
  abandon: { from: ["onboard-failed", "onboarding"], pending: "abandon-pending", approved: "abandoning" },
  move: { from: ["active"], pending: "move-pending", approved: "moving" },
  // The second approval of a move: the customer stays moving; approving removes the source before its grace period ends.
  "move-removal": { from: ["moving"], pending: "moving", approved: "moving" },
  rollout: { from: ["requested"], pending: "awaiting-approval", approved: "approved", closed: "not-approved" },
} as const;

/** What a request is about, in words: the customer, or a rollout's template and id. */
export const subjectOf = (a: Pick<Approval, "operation" | "customer" | "template" | "rolloutId">) => (a.operation === "rollout" ? `"${a.template ?? ""}" (rollout ${a.rolloutId ?? "?"})` : a.customer);

// KEYS: approval, approval-for, pending, customer. ARGV: id, ttl, expiresAt, allowed statuses (','), pending status, now, field, value, ...
// Creates the request and moves the customer to its pending status, or answers why not.
const createScript = `
local existing = redis.call('GET', KEYS[2])
if existing then return 'existing:' .. existing end
local status = redis.call('HGET', KEYS[4], 'status')
if not status then return 'status:' end
local allowed = false
for s in string.gmatch(ARGV[4], '[^,]+') do if s == status then allowed = true end end
if not allowed then return 'status:' .. status end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[1], 'previousStatus', status, 'pendingStatus', ARGV[5], unpack(ARGV, 7))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 30 * 86400000)
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[4], 'status', ARGV[5], 'updatedAt', ARGV[6])
return 'created'
`;

// KEYS: approval, approval-for, pending, customer. ARGV: decider, decision, reason, now, approved status.
// Decides once; moves the customer on (approved) or back to where it was (rejected, expired) if it is still pending.
const decideScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return 'decided' end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('HGET', KEYS[1], 'id')
local pendingStatus = redis.call('HGET', KEYS[1], 'pendingStatus')
local customerPending = redis.call('HGET', KEYS[4], 'status') == pendingStatus
local function close(newStatus, customerStatus)
  redis.call('HSET', KEYS[1], 'status', newStatus)
  redis.call('ZREM', KEYS[3], id)
  if redis.call('GET', KEYS[2]) == id then redis.call('DEL', KEYS[2]) end
  if customerPending then redis.call('HSET', KEYS[4], 'status', customerStatus, 'updatedAt', ARGV[4]) end
end
if now > tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  close('expired', redis.call('HGET', KEYS[1], 'closedStatus') or redis.call('HGET', KEYS[1], 'previousStatus'))
  return 'expired'
end
if ARGV[2] == 'expire' then return 'pending' end
if redis.call('HGET', KEYS[1], 'requestedBy') == ARGV[1] then return 'self' end
redis.call('HSET', KEYS[1], 'decidedBy', ARGV[1], 'decidedAt', ARGV[4])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
if ARGV[2] == 'approved' then close('approved', ARGV[5]) else close('rejected', redis.call('HGET', KEYS[1], 'closedStatus') or redis.call('HGET', KEYS[1], 'previousStatus')) end
return 'ok'
`;

const newId = () => `r${[...randomBytes(10)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("")}`;

export class Approvals {
  /** The request pointer and the status hash of what a request is about: a customer, or a rollout. */
  private subjectKeys(a: Pick<Approval, "operation" | "customer" | "rolloutId">): [string, string] {
    if (a.operation === "rollout") return [this.keys.approvalFor(`rollout:${a.rolloutId ?? ""}`), this.keys.rollout(a.rolloutId ?? "")];
    return [this.keys.approvalFor(a.customer), this.keys.customer(a.customer)];
  }

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

  /**
   * A new pending request (the customer moves to its pending status in the same step), the customer's
   * pending one if there already is one, or the status that forbids it.
   */
  async create(input: Omit<Approval, "id" | "status" | "expiresAt" | "requestedAt" | "previousStatus" | "pendingStatus" | "closedStatus">): Promise<{ created: true; approval: Approval } | { created: false; approval: Approval } | { created: false; status: string }> {
    const id = newId();
    const now = Date.now();
    const rules = approvalStatuses[input.operation];
    const approval: Approval = { ...input, id, status: "pending", requestedAt: new Date(now).toISOString(), expiresAt: now + this.expiryMs, previousStatus: "", pendingStatus: rules.pending, ...("closed" in rules ? { closedStatus: rules.closed } : {}) };
    const fields = Object.entries(approval).flatMap(([k, v]) => (v === undefined || k === "previousStatus" || k === "pendingStatus" ? [] : [k, String(v)]));
    const [pointer, subject] = this.subjectKeys(input);
    const keys = [this.keys.approval(id), pointer, this.keys.approvalsPending(), subject];
    const out = String(await evalScript(this.redis, createScript, 4, ...keys, id, String(this.expiryMs), String(approval.expiresAt), rules.from.join(","), rules.pending, new Date(now).toISOString(), ...fields));
    if (out === "created") return { created: true, approval: (await this.get(id)) ?? approval };
    if (out.startsWith("existing:")) {
      const existingId = out.slice("existing:".length);
      const pending = await this.get(existingId);
      if (pending?.status === "pending" && pending.expiresAt > Date.now()) return { created: false, approval: pending };
      // Expired but not yet marked (the customer's status goes back with it), or a pointer that outlived its request.
      if (pending?.status === "pending") {
        const expired = await this.decide(existingId, "qoem", "expire");
        // Redis's clock (which decides) may be behind this machine's: then the request still counts as pending.
        if (!(!expired.ok && expired.code === "expired")) return { created: false, approval: pending };
      }
      else await evalScript(this.redis, `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, pointer, existingId);
      return this.create(input);
    }
    return { created: false, status: out.slice("status:".length) };
  }

  async attach(id: string, fields: Partial<Pick<Approval, "requestChannel" | "requestTs" | "replyChannel" | "replyThreadTs" | "replyProgressTs" | "jobId">>): Promise<void> {
    const clean = Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
    if (clean.length) await this.redis.hset(this.keys.approval(id), ...clean);
  }

  async decide(id: string, decider: string, decision: "approved" | "rejected" | "expire", reason = ""): Promise<DecisionResult> {
    const approval = await this.get(id);
    if (!approval) return { ok: false, code: "unknown", message: `there is no approval request ${id}` };
    const approved = approvalStatuses[approval.operation].approved;
    const [pointer, subject] = this.subjectKeys(approval);
    const code = String(await evalScript(this.redis, decideScript, 4, this.keys.approval(id), pointer, this.keys.approvalsPending(), subject, decider, decision, reason, new Date().toISOString(), approved));
    const after = (await this.get(id)) ?? approval;
    switch (code) {
      case "ok":
        return { ok: true, approval: after };
      case "self":
        return { ok: false, code: "self", approval: after, message: `you asked for this ${approval.operation}, so someone else must approve it (four eyes)` };
      case "expired":
        return { ok: false, code: "expired", approval: after, message: `this request expired at ${new Date(after.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC; ask again with /qoem ${after.operation === "rollout" ? `rollout "${after.template ?? ""}"` : after.operation === "move" ? `move ${after.customer} ${after.target?.split(":")[1] ?? "<region>"}` : after.operation === "move-removal" ? `move ${after.customer} back, or wait for the grace period to end` : `${after.operation} ${after.customer}`}` };
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
