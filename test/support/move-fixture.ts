// Helpers for moves on a whole test qoem: a customer's tenant in one region, its production apps, and a move asked for and approved.
import { expect } from "vitest";
import type { TestQoem } from "./start-test-qoem.ts";
import { requestIdOf, sayCommand, type Said } from "./say-command.ts";

/** The customer's live (not deleted) tenants in a region. */
export const tenantsIn = (qoem: TestQoem, customer: string, region: string) => [...qoem.cloudEmulator!.state.tenants.values()].filter((t) => t.name === customer && t.region === region && t.status !== "deleted");

/** Apps of the tenant's space (by space name), as `name:bytes`, sorted. */
export function appsOf(qoem: TestQoem, tenantId: string, spaceName: string): string[] {
  const data = qoem.cloudEmulator!.state.dataOf(tenantId);
  const space = [...data.spaces.values()].find((s) => s.name === spaceName);
  return [...data.apps.values()].filter((a) => space && a.spaceId === space.id).map((a) => `${a.name}:${a.content.length}`).sort();
}

/** Asks for the move as U1, approves it as U2, and follows the move's job to its end. */
export async function approvedMove(qoem: TestQoem, customer: string, region: string): Promise<Said> {
  const asked = await sayCommand(qoem, `move ${customer} ${region}`, "U1");
  return sayCommand(qoem, `approve ${requestIdOf(asked)}`, "U2");
}

/** The pending second approval (removal of the source) the move asked for. */
export async function removalRequest(qoem: TestQoem, customer: string): Promise<string> {
  const pending = await qoem.dispatch.approvals.pendingFor(customer);
  expect(pending?.operation).toBe("move-removal");
  return pending!.id;
}
