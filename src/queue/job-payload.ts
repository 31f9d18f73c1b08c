// Job payloads of the operations queue, validated with zod when added and again when a worker takes them.
import { z } from "zod";
import { commandSchema, type Command } from "../commands/command-schema.ts";
import { checkpointSchema } from "../core/operation-progress.ts";
import { whereOf } from "../core/customer-registry.ts";

export const replyToSchema = z.object({
  surface: z.literal("slack"),
  channel: z.string().min(1),
  threadTs: z.string().min(1),
  progressTs: z.string().min(1),
});
export type ReplyTo = z.infer<typeof replyToSchema>;

export const operations = ["onboard", "plan", "health", "reactivate", "offboard", "abandon", "list", "move", "move-plan", "move-back", "move-removal", "rollout", "rollout-plan"] as const;
export type Operation = (typeof operations)[number];

/** The operation each command runs as. */
export function operationOf(command: Command): Operation | undefined {
  if (command.name === "onboard") return command.dryRun ? "plan" : "onboard";
  if (command.name === "move") return command.to.kind === "back" ? "move-back" : command.to.kind === "remove-source" ? "move-removal" : command.dryRun ? "move-plan" : "move";
  if (command.name === "rollout") return command.action === "run" ? "rollout" : command.action === "start" && command.dryRun ? "rollout-plan" : undefined;
  if (command.name === "health" || command.name === "reactivate" || command.name === "offboard" || command.name === "abandon" || command.name === "list") return command.name;
  return undefined;
}

export const operationJobSchema = z.object({
  requestId: z.string().min(1),
  operation: z.enum(operations),
  command: commandSchema,
  /** For an offboard or abandon: the approval that allowed it; for a move and what follows it (back, removal): the move's approval. */
  approvalId: z.string().optional(),
  requestedBy: z.object({ user: z.string().min(1), surface: z.enum(["slack", "shell", "cli", "api"]) }),
  requestedAt: z.string(),
  replyTo: replyToSchema.optional(),
  checkpoint: checkpointSchema.optional(),
}).refine((job) => operationOf(job.command) === job.operation, { message: "the operation does not match the command", path: ["operation"] });
export type OperationJob = z.infer<typeof operationJobSchema>;

export const OPERATIONS_QUEUE = "operations";
export const UPDATES_QUEUE = "updates";

/** Job ids make a repeated onboard of the same customer to the same place collapse into one job. */
export function operationJobId(job: Pick<OperationJob, "operation" | "command" | "requestId" | "approvalId">): string {
  const c = job.command;
  switch (c.name) {
    case "onboard": {
      const where = whereOf(c.target);
      return c.dryRun ? `plan.${c.customer}.${where}.${job.requestId}` : `onboard.${c.customer}.${where}`;
    }
    case "health":
      return `health.${"customer" in c.scope ? c.scope.customer : "all"}.${job.requestId}`;
    case "reactivate":
      return `reactivate.${c.customer}`;
    case "abandon":
      return `abandon.${c.customer}.${job.approvalId ?? job.requestId}`;
    case "offboard":
      return `offboard.${c.customer}.${job.approvalId ?? job.requestId}`;
    case "move": {
      // One job per move for each of its parts: the move itself (resumed under the same id), going back, removing the source.
      const part = operationOf(c) ?? "move";
      return part === "move-plan" ? `move-plan.${c.customer}.${job.requestId}` : `${part}.${c.customer}.${job.approvalId ?? job.requestId}`;
    }
    case "rollout":
      // One driver job per rollout: an approval and a resume that race collapse into it.
      return c.action === "run" ? `rollout.${c.rolloutId}` : `rollout-plan.${job.requestId}`;
    default:
      return `${c.name}.${job.requestId}`;
  }
}
