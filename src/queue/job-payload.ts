// Job payloads of the operations queue, validated with zod when added and again when a worker takes them.
import { z } from "zod";
import { onboardCommandSchema } from "../commands/command-schema.ts";
import { checkpointSchema } from "../core/operation-progress.ts";

export const replyToSchema = z.object({
  surface: z.literal("slack"),
  channel: z.string().min(1),
  threadTs: z.string().min(1),
  progressTs: z.string().min(1),
});
export type ReplyTo = z.infer<typeof replyToSchema>;

export const operationJobSchema = z.object({
  requestId: z.string().min(1),
  operation: z.enum(["onboard", "plan"]),
  command: onboardCommandSchema,
  requestedBy: z.object({ user: z.string().min(1), surface: z.enum(["slack", "shell", "cli"]) }),
  requestedAt: z.string(),
  replyTo: replyToSchema.optional(),
  checkpoint: checkpointSchema.optional(),
});
export type OperationJob = z.infer<typeof operationJobSchema>;

export const OPERATIONS_QUEUE = "operations";
export const UPDATES_QUEUE = "updates";

/** Job ids make a repeated onboard of the same customer to the same place collapse into one job. */
export function operationJobId(job: Pick<OperationJob, "operation" | "command" | "requestId">): string {
  const where = job.command.target.kind === "cloud" ? job.command.target.region : job.command.target.site;
  return job.operation === "plan" ? `plan.${job.command.customer}.${where}.${job.requestId}` : `onboard.${job.command.customer}.${where}`;
}
