// An operation as the API shows it: the same steps, outcome and notes the Slack thread shows, read from its job.
import type { Job } from "bullmq";
import { progressSchema } from "../../core/operation-progress.ts";
import type { OperationView } from "./api-schemas.ts";

export async function describeOperation(job: Job): Promise<OperationView> {
  const state = await job.getState();
  const progress = progressSchema.safeParse(job.progress);
  const p = progress.success ? progress.data : undefined;
  const data = job.data as { operation?: string; command?: { customer?: string } };
  const view: OperationView = {
    id: job.id!,
    operation: data.operation ?? job.name,
    customer: p?.customer || data.command?.customer || "",
    state: state === "completed" ? "completed" : state === "failed" ? "failed" : state === "active" ? "running" : "queued",
    steps: (p?.steps ?? []).map(({ id, title, state: s, outcome, detail, durationMs }) => ({ id, title, state: s, ...(outcome ? { outcome } : {}), ...(detail ? { detail } : {}), ...(durationMs !== undefined ? { durationMs } : {}) })),
  };
  if (p?.where) view.where = p.where;
  if (p?.phase) view.phase = p.phase;
  if (p?.summary) view.summary = p.summary;
  if (p?.note) view.note = p.note;
  if (state === "failed" && job.failedReason) view.error = job.failedReason;
  return view;
}
