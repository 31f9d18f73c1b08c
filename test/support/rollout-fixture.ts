// Rollout tests: a new version of a template in the emulators' sources, and a rollout asked for, approved and followed to an end.
import { expect } from "vitest";
import type { CloudEmulator } from "../../adapters/qlik-cloud/emulator/cloud-emulator.ts";
import type { SiteEmulator } from "../../adapters/client-managed/emulator/site-emulator.ts";
import { TEMPLATE_STREAM } from "../../adapters/client-managed/emulator/site-state.ts";
import { dispatchCommand, type ChatAnswer } from "../../src/chat/dispatch-command.ts";
import type { QoemHandle } from "../../src/main.ts";
import type { Rollout } from "../../src/core/rollout-records.ts";

/** The OEM ships a new version of a template in the cloud source tenant: new content, a new modification time. */
export function newCloudVersion(emulator: CloudEmulator, template: string, content: string): string {
  const source = emulator.state.tenantByHost(emulator.sourceTenantHost)!;
  const app = [...emulator.state.dataOf(source.id).apps.values()].find((a) => a.name === template)!;
  app.content = Buffer.from(content);
  app.modifiedDate = new Date(Date.now() + 1000).toISOString();
  return app.modifiedDate;
}

/**
 * The OEM names the version itself: new content and a `version:<v>` tag on the source app (items' meta.tags;
 * Qlik's specification has no endpoint that tags an app, so the test sets it in the emulator's state).
 */
export function tagCloudVersion(emulator: CloudEmulator, template: string, content: string, version: string): void {
  newCloudVersion(emulator, template, content);
  const source = emulator.state.tenantByHost(emulator.sourceTenantHost)!;
  const app = [...emulator.state.dataOf(source.id).apps.values()].find((a) => a.name === template)!;
  app.tags = [{ id: `tag-${version}`, name: `version:${version}` }, { id: "tag-oem", name: "oem" }];
}

/** The same on a site: the app in the templates stream. */
export function newSiteVersion(emulator: SiteEmulator, template: string, content: string): string {
  const stream = [...emulator.state.streams.values()].find((s) => s.name === TEMPLATE_STREAM)!;
  const app = [...emulator.state.apps.values()].find((a) => a.name === template && a.stream?.id === stream.id)!;
  app.content = content;
  app.fileSize = content.length;
  emulator.state.touch(app);
  return app.modifiedDate;
}

export const textOf = (a: ChatAnswer) => (a.kind === "error" ? a.error.reason : a.text);

/** Asks for a rollout as U1 and has U2 approve it; returns the rollout's id. */
export async function approvedRollout(q: QoemHandle, text: string): Promise<string> {
  const asked = await dispatchCommand({ text, user: "U1", surface: "cli" }, q.dispatch);
  if (asked.kind !== "approval") throw new Error(`expected an approval request: ${textOf(asked)}`);
  const rolloutId = asked.approval.rolloutId!;
  expect((await q.dispatch.rollouts.get(rolloutId))?.status).toBe("awaiting-approval");
  const decided = await dispatchCommand({ text: `approve ${asked.approval.id}`, user: "U2", surface: "cli" }, q.dispatch);
  expect(decided.kind === "decision" && decided.decision.ok).toBe(true);
  return rolloutId;
}

export async function untilRollout(q: QoemHandle, id: string, statuses: Rollout["status"][], timeout = 60_000): Promise<Rollout> {
  await expect.poll(async () => (await q.dispatch.rollouts.get(id))?.status, { timeout, interval: 100 }).toSatisfy((s) => statuses.includes(s as Rollout["status"]));
  return (await q.dispatch.rollouts.get(id))!;
}

/** Waits until the rollout ended (completed or cancelled) and its job removed the previous apps its updated customers kept. */
export async function untilKeptRemoved(q: QoemHandle, id: string, timeout = 60_000): Promise<void> {
  await untilRollout(q, id, ["completed", "cancelled"], timeout);
  await expect.poll(async () => [await q.dispatch.rollouts.keptCount(id), await q.operations.getJobState(`rollout.${id}`)], { timeout, interval: 100 }).toEqual([0, "completed"]);
}

export async function onboardAll(q: QoemHandle, customers: string[], where: string): Promise<void> {
  for (const c of customers) {
    const a = await dispatchCommand({ text: `onboard ${c} ${where}`, user: "U1", surface: "cli" }, q.dispatch);
    expect(a.kind, textOf(a)).toBe("operation");
  }
  await expect.poll(async () => Promise.all(customers.map(async (c) => (await q.registry.get(c))?.status)), { timeout: 90_000, interval: 200 }).toEqual(customers.map(() => "active"));
}
