/**
 * Publishes a user's App Home: the fleet health, the 24-hour trend per region and site, the pending
 * requests (with buttons, for approvers only) and the user's own recent operations. Reads Redis only;
 * called after Slack's event is acked, and again after a decision clicked on the Home tab.
 */
import type { WebClient } from "@slack/web-api";
import type { FleetTrend } from "../../core/fleet-trend.ts";
import type { DispatchDeps } from "../dispatch-command.ts";
import type { FleetHealthView } from "../render-fleet-health.ts";
import { homeBlocks } from "./home-view.ts";

export interface HomeDeps {
  dispatch: DispatchDeps;
  fleetHealth(): Promise<FleetHealthView>;
  trend?: FleetTrend;
}

// The audit log's newest entries read to find the caller's own (a busy fleet's log moves fast).
const AUDIT_SCAN = 300;
const RECENT_SHOWN = 8;

export async function publishHome(client: WebClient, user: string, deps: HomeDeps): Promise<void> {
  const { dispatch } = deps;
  const [view, trend, approver, engineer, entries] = await Promise.all([
    deps.fleetHealth(),
    deps.trend ? deps.trend.last24h() : Promise.resolve(new Map<string, Array<number | undefined>>()),
    dispatch.access.has(user, "approver"),
    dispatch.access.has(user, "engineer"),
    dispatch.audit.read(undefined, AUDIT_SCAN),
  ]);
  const pending = approver.ok ? (await dispatch.approvals.listPending()).filter((a) => a.status === "pending") : undefined;
  const recent = entries.filter((e) => e.user === user).slice(0, RECENT_SHOWN);
  await client.views.publish({ user_id: user, view: { type: "home", blocks: homeBlocks(view, { trend, ...(pending ? { pending } : {}), recent, canOnboard: engineer.ok }) } });
}
