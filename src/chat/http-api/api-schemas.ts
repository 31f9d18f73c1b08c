// The provisioning API's shapes, one zod schema each: they validate requests and generate the OpenAPI document.
import { z } from "zod";
import { customerSchema, featureSchema, templateNameSchema } from "../../commands/command-schema.ts";
import { residencySchema } from "../../core/place-by-residency.ts";

export const onboardingRequestSchema = z
  .object({
    customer: customerSchema.describe("The customer's name: 2-40 lower-case letters, digits and single hyphens"),
    residency: residencySchema.optional().describe("Where the customer's data must stay: a country code (DE, CH, ...) or EU. qoem picks a region or site there."),
    target: z.string().min(1).max(40).optional().describe("A Qlik Cloud region code (its own tenant), a client-managed site name or a shared-tenant name; with residency, it must satisfy it (a shared tenant never does)"),
    personalData: z.boolean().optional().describe("The customer's users or data include personal data: kept by qoem, and a shared tenant refuses it"),
    templates: z.array(templateNameSchema).max(20).optional().describe("Template apps to deploy (default: every configured one)"),
    features: z.array(featureSchema).max(5).optional().describe("Qlik Cloud features the licence must include"),
    contact: z.string().max(200).optional().describe("Who to contact about this customer (shown in the audit log)"),
  })
  .strict()
  .refine((b) => b.residency !== undefined || b.target !== undefined, { message: "give residency or target", path: ["residency"] });
export type OnboardingRequest = z.infer<typeof onboardingRequestSchema>;

export const offboardingRequestSchema = z
  .object({
    customer: customerSchema,
    purgeAfterDays: z.number().int().min(10).max(90).optional().describe("Days until Qlik purges the deactivated tenant (default 30)"),
  })
  .strict();

export const stepSchema = z.object({ id: z.string(), title: z.string(), state: z.string(), outcome: z.string().optional(), detail: z.string().optional(), durationMs: z.number().optional() });

export const operationSchema = z.object({
  id: z.string().describe("The operation id (its job id)"),
  operation: z.string(),
  customer: z.string(),
  where: z.string().optional(),
  state: z.enum(["queued", "running", "completed", "failed"]),
  phase: z.string().optional(),
  steps: z.array(stepSchema),
  summary: z.string().optional(),
  note: z.string().optional(),
  error: z.string().optional(),
});
export type OperationView = z.infer<typeof operationSchema>;

export const acceptedSchema = z.object({ operation: z.object({ id: z.string(), state: z.string() }), location: z.string() });
export const approvalRequestedSchema = z.object({ approval: z.object({ id: z.string(), status: z.string(), expiresAt: z.string(), customer: z.string() }) });

export const customerViewSchema = z.object({
  customer: z.string(),
  status: z.string(),
  kind: z.string().describe("cloud (its own tenant), shared (a place in a shared tenant) or client-managed (a site)"),
  where: z.string(),
  tenantId: z.string().optional(),
  hostname: z.string().optional(),
  residency: z.string().optional(),
  personalData: z.boolean().optional(),
  templates: z.array(z.string()),
  lastError: z.string().optional(),
  lastOperation: z.string().optional(),
  pendingApproval: z.object({ id: z.string(), operation: z.string(), expiresAt: z.string() }).optional(),
  next: z.array(z.string()).describe("The commands that lead on from this status"),
});

export const errorCodes = ["unauthorized", "forbidden", "invalid_request", "not_found", "conflict", "rate_limited", "unavailable"] as const;
export const errorSchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    field: z.string().optional().describe("The field that was wrong, for invalid_request"),
    operation: z.string().optional().describe("The operation already under way, for conflict"),
  }),
});
export type ApiError = z.infer<typeof errorSchema>["error"];
