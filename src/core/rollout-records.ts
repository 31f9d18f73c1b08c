// What a template rollout is made of, as stored and read back: its statuses, each customer's states, its scope, and their schemas.
import { z } from "zod";
import type { TemplateVersion } from "../../adapters/port.ts";

export const rolloutStatuses = ["requested", "awaiting-approval", "approved", "running", "paused", "completed", "cancelled", "not-approved"] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];
/** Statuses a rollout never leaves; its template is then free for another. */
export const endedRolloutStatuses: readonly RolloutStatus[] = ["completed", "cancelled", "not-approved"];

export const customerStates = ["pending", "staged", "replacing", "replaced", "rolling-back", "updated", "rolled-back", "failed", "skipped"] as const;
export type CustomerState = (typeof customerStates)[number];
/** States a customer's update ends in. */
export const finalStates: readonly CustomerState[] = ["updated", "rolled-back", "failed", "skipped"];
/** What counts against a wave's failure threshold. */
export const failedStates: readonly CustomerState[] = ["rolled-back", "failed"];

export const rolloutScopeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }),
  z.object({ kind: z.literal("region"), region: z.string() }),
  z.object({ kind: z.literal("site"), site: z.string() }),
  z.object({ kind: z.literal("customers"), customers: z.array(z.string()).min(1) }),
]);
export type RolloutScope = z.infer<typeof rolloutScopeSchema>;

const versionSchema = z.object({ template: z.string(), version: z.string(), ref: z.string() });
const json = <T extends z.ZodTypeAny>(schema: T) => z.string().transform((s, ctx) => {
  try {
    return schema.parse(JSON.parse(s)) as z.infer<T>;
  } catch {
    ctx.addIssue({ code: "custom", message: "not the JSON expected" });
    return z.NEVER;
  }
});

export const rolloutSchema = z.object({
  id: z.string(),
  template: z.string(),
  scope: json(rolloutScopeSchema),
  canary: z.coerce.number().int(),
  thresholdPct: z.coerce.number(),
  status: z.enum(rolloutStatuses),
  /** Customers per wave, in order. */
  waveSizes: json(z.array(z.number().int())),
  total: z.coerce.number().int(),
  currentWave: z.coerce.number().int(),
  /** A wave resumed after it passed the threshold: its failures no longer pause the rollout. */
  acceptedWave: z.coerce.number().int().default(-1),
  /** The template's version per source ("cloud", or "site:<name>"), read once when the rollout starts. */
  versions: json(z.record(z.string(), versionSchema)).optional(),
  requestedBy: z.string(),
  requestedSurface: z.string(),
  requestedAt: z.string(),
  approvalId: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  pausedReason: z.string().optional(),
  /** Who paused, resumed or cancelled last, and when. */
  lastControl: z.string().optional(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

/** What one customer's update learned on the way (app ids, the publish time before the replace) and why it ended as it did. */
export const customerDetailSchema = z.object({
  appId: z.string().optional(),
  publishTime: z.string().optional(),
  originAppId: z.string().optional(),
  stagedAppId: z.string().optional(),
  keptAppId: z.string().optional(),
  reason: z.string().optional(),
  at: z.string().optional(),
});
export type CustomerDetail = z.infer<typeof customerDetailSchema>;

export const rolloutIdSchema = z.string().regex(/^ro[a-z0-9]{8}$/, "a rollout id looks like ro7k2m9x4q");

/** Where a customer's template version comes from: the OEM's source tenant, or its site's templates stream. */
export const versionSourceOf = (target: { kind: "cloud" } | { kind: "client-managed"; site: string } | { kind: "shared"; tenant: string }) => (target.kind === "cloud" ? "cloud" : target.kind === "shared" ? `shared:${target.tenant}` : `site:${target.site}`);

export type TemplateVersions = Record<string, TemplateVersion>;
