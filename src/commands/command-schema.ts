// The typed command set: what every chat surface, the CLI and the job payloads agree on.
import { z } from "zod";
import { cloudRegionCodes } from "../../adapters/qlik-cloud/regions.ts";
import { customerStatuses } from "../core/customer-status.ts";
import { residencySchema } from "../core/place-by-residency.ts";
import { rolloutIdSchema, rolloutScopeSchema } from "../core/rollout-records.ts";

/** Qlik's TenantDeactivateRequest.purgeAfterDays: 10 to 90 days (default 30). */
export const MIN_PURGE_AFTER_DAYS = 10;
export const MAX_PURGE_AFTER_DAYS = 90;

export const CUSTOMER_MAX_LENGTH = 40;
/** Lower-case letters, digits and single hyphens; starts with a letter, ends with a letter or digit. */
export const customerPattern = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;
export const reservedCustomerNames = new Set(["all", "help"]);

export const customerSchema = z
  .string()
  .min(2, "a customer name has at least 2 characters")
  .max(CUSTOMER_MAX_LENGTH, `a customer name has at most ${CUSTOMER_MAX_LENGTH} characters`)
  .regex(customerPattern, "a customer name uses lower-case letters, digits and single hyphens, starting with a letter")
  .refine((name) => !reservedCustomerNames.has(name), "that word is reserved and cannot name a customer");

export const siteNameSchema = z.string().regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/).max(40);

export const targetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cloud"), region: z.enum(cloudRegionCodes as [string, ...string[]]) }),
  z.object({ kind: z.literal("client-managed"), site: siteNameSchema }),
  z.object({ kind: z.literal("shared"), tenant: siteNameSchema }),
]);

/** Features that only Qlik Cloud offers; a client-managed site refuses them. */
export const cloudOnlyFeatures = ["automation", "alerting", "reporting", "ai", "direct-query"] as const;
export const featureSchema = z.enum(cloudOnlyFeatures);

export const templateNameSchema = z.string().min(1).max(100).regex(/^[^\u0000-\u001f"*?<>/|\\:]+$/, "a template name cannot hold control characters or \" * ? < > / | \\ :");

export { customerStatuses };

/** Approval request ids, as qoem makes them: `r` and ten lower-case letters or digits. */
export const approvalIdSchema = z.string().regex(/^r[a-z0-9]{10}$/, "an approval request id looks like r3k9x2m7q1a");

export const onboardCommandSchema = z.object({
  name: z.literal("onboard"),
  customer: customerSchema,
  target: targetSchema,
  templates: z.array(templateNameSchema).max(20),
  features: z.array(featureSchema).max(cloudOnlyFeatures.length),
  dryRun: z.boolean(),
  /** Where the customer's data must stay, when it was given: the target satisfies it. */
  residency: residencySchema.optional(),
  /** The customer's users or data include personal data: kept by the registry, and rules a shared tenant out. */
  personalData: z.boolean().optional(),
});

/** Where a move goes: a target, back to the source, or (a job of qoem's own, never typed) the removal of the source. */
export const moveToSchema = z.union([targetSchema, z.object({ kind: z.literal("back") }), z.object({ kind: z.literal("remove-source") })]);
/**
 * `rollout "<template>"` (start, or a dry run), `rollout status|pause|resume|cancel <id>`, and `run`:
 * the job that drives an approved rollout (never typed; the approval or a resume queues it).
 */
export const rolloutCommandSchema = z
  .object({
    name: z.literal("rollout"),
    action: z.enum(["start", "status", "pause", "resume", "cancel", "run"]),
    template: templateNameSchema.optional(),
    rolloutId: rolloutIdSchema.optional(),
    scope: rolloutScopeSchema.optional(),
    canary: z.number().int().min(0).max(1000).optional(),
    thresholdPct: z.number().min(0).max(100).optional(),
    dryRun: z.boolean().optional(),
  })
  .refine((c) => (c.action === "start" ? c.template !== undefined : c.rolloutId !== undefined), { message: "a rollout names its template, a rollout command its rollout id" });

export const commandSchema = z.discriminatedUnion("name", [
  rolloutCommandSchema,
  onboardCommandSchema,
  z.object({ name: z.literal("offboard"), customer: customerSchema, purgeAfterDays: z.number().int().min(MIN_PURGE_AFTER_DAYS).max(MAX_PURGE_AFTER_DAYS) }),
  z.object({ name: z.literal("reactivate"), customer: customerSchema }),
  z.object({ name: z.literal("abandon"), customer: customerSchema }),
  z.object({ name: z.literal("health"), scope: z.union([z.object({ all: z.literal(true) }), z.object({ customer: customerSchema })]) }),
  z.object({ name: z.literal("status"), customer: customerSchema }),
  z.object({
    name: z.literal("list"),
    region: z.string().optional(),
    status: z.enum(customerStatuses).optional(),
  }),
  z.object({ name: z.literal("audit"), customer: customerSchema.optional() }),
  z.object({ name: z.literal("help"), topic: z.string().optional() }),
  z.object({ name: z.literal("approve"), requestId: approvalIdSchema }),
  z.object({ name: z.literal("reject"), requestId: approvalIdSchema, reason: z.string().max(300).optional() }),
  z.object({ name: z.literal("move"), customer: customerSchema, to: moveToSchema, dryRun: z.boolean() }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandName = Command["name"];
export type OnboardCommand = Extract<Command, { name: "onboard" }>;
export type MoveCommand = Extract<Command, { name: "move" }>;
export type RolloutCommand = Extract<Command, { name: "rollout" }>;
export const DEFAULT_PURGE_AFTER_DAYS = 30;

/** The customer a command is about, if any. */
export function customerOf(command: Command): string | undefined {
  if (command.name === "health") return "customer" in command.scope ? command.scope.customer : undefined;
  return "customer" in command && typeof command.customer === "string" ? command.customer : undefined;
}
