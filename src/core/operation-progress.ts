// What an operation reports while it runs: the same snapshot feeds Slack threads, the shell and `qoem run --json`.
import { z } from "zod";

export const stepStateSchema = z.object({
  id: z.string(),
  title: z.string(),
  state: z.enum(["pending", "running", "done", "failed", "planned"]),
  outcome: z.string().optional(),
  detail: z.string().optional(),
  durationMs: z.number().optional(),
  /** True when this step was finished by an earlier attempt and skipped now. */
  resumed: z.boolean().optional(),
});
export type StepState = z.infer<typeof stepStateSchema>;

export const progressSchema = z.object({
  operation: z.string(),
  customer: z.string(),
  where: z.string(),
  phase: z.enum(["queued", "running", "waiting", "retrying", "done", "failed"]),
  steps: z.array(stepStateSchema),
  note: z.string().optional(),
  summary: z.string().optional(),
  /** Where the customer's environment answers once an onboard is done (a tenant's hostname), for an "open" link. */
  host: z.string().optional(),
  attempt: z.number().optional(),
});
export type OperationProgress = z.infer<typeof progressSchema>;

export const checkpointSchema = z.object({
  facts: z.record(z.string(), z.string()).default({}),
  /** Finished steps; `inputs` is what the step's options were, so a step whose inputs changed runs again. */
  done: z.record(z.string(), z.object({ outcome: z.string(), detail: z.string(), durationMs: z.number(), inputs: z.string().optional() })).default({}),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;
