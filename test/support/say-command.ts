// Sends one line of command text through the product's own dispatch and follows the job it starts (if any) to its end.
import { dispatchCommand, type ChatAnswer } from "../../src/chat/dispatch-command.ts";
import { followJob, type FollowResult } from "../../src/queue/follow-job.ts";
import type { QoemHandle } from "../../src/main.ts";

export interface Said {
  answer: ChatAnswer;
  outcome?: FollowResult;
  /** The answer's text, or its error's reason. */
  text: string;
}

export async function sayCommand(q: QoemHandle, text: string, user = "U1"): Promise<Said> {
  const answer = await dispatchCommand({ text, user, surface: "cli" }, q.dispatch);
  const jobId = answer.kind === "operation" && answer.disposition !== "done" ? answer.jobId : answer.kind === "decision" ? answer.jobId : undefined;
  const outcome = jobId ? await followJob(q.events, q.operations, jobId, () => undefined, { timeoutMs: 60_000 }) : undefined;
  return { answer, ...(outcome ? { outcome } : {}), text: answer.kind === "error" ? answer.error.reason : answer.text };
}

/** The id of the approval request an answer made (or found pending); throws when there is none. */
export function requestIdOf(said: Said): string {
  if (said.answer.kind !== "approval") throw new Error(`expected an approval request, got: ${said.text}`);
  return said.answer.approval.id;
}
