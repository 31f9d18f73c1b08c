/**
 * A customer's move, kept with the customer (not inside a job) so that any later execution resumes it:
 * where from (the source exactly as the registry had it, so going back restores it untouched), where
 * to, the apps with their sizes, the approvals, the checkpoint (facts and finished steps) and the
 * source's removal date. Writes from a running move are fenced like the onboard's checkpoint.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Target } from "../../adapters/port.ts";
import { checkpointSchema, type Checkpoint } from "./operation-progress.ts";
import { fencedHset, type Fence, type WriteCondition } from "./execution-fence.ts";
import type { RedisKeys } from "./redis-keys.ts";

// A shared tenant is a source only (a customer growing out to its own tenant); chat refuses a move into one.
const targetSchema = z.discriminatedUnion("kind", [z.object({ kind: z.literal("cloud"), region: z.string() }), z.object({ kind: z.literal("client-managed"), site: z.string() }), z.object({ kind: z.literal("shared"), tenant: z.string() })]);

/** How long a tenant a move leaves behind (the source once removed, or a target gone back from) waits before Qlik purges it; reactivatable until then. */
export const MOVE_PURGE_AFTER_DAYS = 30;

export const movePhases = ["approved", "building", "moved", "removing", "removed", "moved-back"] as const;
export type MovePhase = (typeof movePhases)[number];

export const movedAppSchema = z.object({ name: z.string(), sizeBytes: z.number(), from: z.string(), to: z.string(), done: z.boolean().default(false) });
export type MovedApp = z.infer<typeof movedAppSchema>;

const json = <T extends z.ZodTypeAny>(schema: T) => z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "not JSON" });
    return z.NEVER;
  }
}).pipe(schema);

export const moveSchema = z.object({
  /** The approval that allowed the move: its id names the move's jobs. */
  id: z.string(),
  customer: z.string(),
  from: json(targetSchema),
  fromTenantId: z.string().optional(),
  fromHostname: z.string().optional(),
  to: json(targetSchema),
  phase: z.enum(movePhases),
  requestedBy: z.string(),
  approvedBy: z.string().optional(),
  apps: json(z.array(movedAppSchema)).default([]),
  checkpoint: json(checkpointSchema).default({ facts: {}, done: {} }),
  /** The source's onboard checkpoint as it was at the switch: going back restores it, so a later onboard there adopts what exists. */
  sourceCheckpoint: json(checkpointSchema).optional(),
  /** When the source is removed if nobody approves it sooner (ISO). */
  removeAfter: z.string().optional(),
  removalApprovalId: z.string().optional(),
  removalApprovedBy: z.string().optional(),
  /** What removing the source did, and a cloud source's purge date. */
  removal: z.string().optional(),
  sourcePurgeDate: z.string().optional(),
  updatedAt: z.string(),
});
export type CustomerMove = z.infer<typeof moveSchema>;

export const whereOfTarget = (t: Target) => (t.kind === "cloud" ? t.region : t.kind === "shared" ? t.tenant : t.site);
export const describeTarget = (t: Target) => (t.kind === "cloud" ? `Qlik Cloud region ${t.region}` : t.kind === "shared" ? `shared tenant ${t.tenant}` : `client-managed site ${t.site}`);

type MoveFields = Partial<Omit<CustomerMove, "from" | "to" | "apps" | "checkpoint" | "sourceCheckpoint">> & { from?: Target; to?: Target; apps?: MovedApp[]; checkpoint?: Checkpoint; sourceCheckpoint?: Checkpoint };

export class CustomerMoves {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(customer: string): Promise<CustomerMove | undefined> {
    const raw = await this.redis.hgetall(this.keys.move(customer));
    if (Object.keys(raw).length === 0) return undefined;
    const parsed = moveSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  /** Starts the record of a new move (replacing a finished one): only the approval of that move calls it. */
  async begin(move: { id: string; customer: string; from: Target; fromTenantId?: string; fromHostname?: string; to: Target; requestedBy: string; approvedBy?: string }): Promise<void> {
    const key = this.keys.move(move.customer);
    // The same approval queued again (a job that was never added): the move it began keeps its checkpoint.
    if ((await this.redis.hget(key, "id")) === move.id) return;
    await this.redis.multi().del(key).hset(key, flatten({ ...move, phase: "approved", apps: [], checkpoint: { facts: {}, done: {} }, updatedAt: new Date().toISOString() })).exec();
  }

  /** Writes fields while the fence holds and the record is still the move `id` (a later move has replaced it otherwise). */
  update(customer: string, id: string, fields: MoveFields, fence?: Fence, more: WriteCondition[] = []): Promise<void> {
    const conditions = [{ key: this.keys.move(customer), field: "id", value: id }, ...more];
    return fencedHset(this.redis, fence, this.keys.move(customer), flatten({ ...fields, updatedAt: new Date().toISOString() }), `updating ${customer}'s move`, conditions);
  }
}

function flatten(fields: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}
