// Fleet-health helpers for tests on a whole qoem: onboard a customer, sweep a region now, turn the emulator's knobs and faults.
import { Job } from "bullmq";
import { dispatchCommand } from "../../src/chat/dispatch-command.ts";
import { followJob } from "../../src/queue/follow-job.ts";
import { triggerSweeps } from "../../src/queue/sweeps.ts";
import type { SweepResult } from "../../src/core/run-sweep.ts";
import type { FaultRule } from "../../adapters/qlik-cloud/emulator/faults.ts";
import type { TestQoem } from "./start-test-qoem.ts";

export async function onboardCustomer(qoem: TestQoem, customer: string, region = "eu"): Promise<void> {
  const answer = await dispatchCommand({ text: `onboard ${customer} ${region}`, user: "U1", surface: "cli" }, qoem.dispatch);
  if (answer.kind === "operation") await followJob(qoem.events, qoem.operations, answer.jobId, () => undefined);
}

/** Sweeps one region now and returns the sweep's result. */
export async function sweepRegion(qoem: TestQoem, region = "eu"): Promise<SweepResult> {
  const [id] = await triggerSweeps(qoem.sweeps, [{ kind: "cloud", region }]);
  return (await (await Job.fromId(qoem.sweeps, id!))!.waitUntilFinished(qoem.sweepEvents, 30_000)) as SweepResult;
}

export const tenantKnob = (qoem: TestQoem, id: string, body: object) =>
  fetch(`${qoem.cloudEmulator!.url}/_emulator/tenants/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export const setFaults = (qoem: TestQoem, rules: FaultRule[]) =>
  fetch(`${qoem.cloudEmulator!.url}/_emulator/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules }) });
