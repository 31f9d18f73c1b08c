/**
 * The buttons of a `list` answer: "Next page" answers with the next page of the same listing, in place
 * of the page shown: the counts from the finished list job (kept a week), the rows from the registry
 * after the last name shown, with the job's filter (the job keeps only its first rows, so an estate of
 * any size pages in bounded memory). "Download CSV" uploads the whole listing as a file to the channel
 * (files.getUploadURLExternal, the upload, then files.completeUploadExternal), read from the registry a
 * page at a time. Both re-check that the clicker may `list`, and the download is audited.
 */
import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { Job } from "bullmq";
import type { Logger } from "pino";
import { z } from "zod";
import type { DispatchDeps } from "../dispatch-command.ts";
import { fleetSchema } from "../render-text.ts";
import { commandSchema } from "../../commands/command-schema.ts";
import { fleetRowOf, readFleetRows } from "../../core/list-fleet.ts";
import type { CustomerStatus } from "../../core/customer-registry.ts";
import { CSV_ACTION, FLEET_PAGE_SIZE, NEXT_PAGE_ACTION, fleetCsvHeader, fleetCsvLine, fleetPageMessage, pageOfFleet, type FleetResult } from "./fleet-page.ts";
import { mrkdwn } from "./mrkdwn.ts";
import type { AfterAckScheduler } from "./schedule-after-ack.ts";

const pageValue = z.object({ j: z.string().min(1).max(300), o: z.number().int().min(0).optional(), s: z.string().max(100).default("all"), a: z.string().max(200).optional() });

/** `afterAck`: the work behind each click waits its turn behind acks still owed (schedule-after-ack.ts). */
export function registerFleetActions(app: App, deps: DispatchDeps, logger: Logger, afterAck: AfterAckScheduler): void {
  const log = logger.child({ surface: "slack", component: "list" });

  /** The listing a button names, if the clicker may list and it is still kept; else why not. */
  async function listing(user: string, raw: string | undefined): Promise<{ ok: true; fleet: FleetResult; value: z.infer<typeof pageValue>; filter: { where?: string; status?: CustomerStatus } } | { ok: false; why: string }> {
    let value: z.infer<typeof pageValue>;
    try {
      value = pageValue.parse(JSON.parse(raw ?? ""));
    } catch {
      return { ok: false, why: "this button does not name a listing" };
    }
    const allowed = await deps.access.check(user, { name: "list" });
    if (!allowed.ok) return { ok: false, why: allowed.reason };
    const job = await Job.fromId(deps.operations, value.j);
    const fleet = fleetSchema.safeParse(job?.returnvalue);
    const command = commandSchema.safeParse((job?.data as { command?: unknown } | undefined)?.command);
    if (!job || !fleet.success || !command.success || command.data.name !== "list") return { ok: false, why: "that listing is no longer kept; run /qoem list again" };
    const filter = { ...(command.data.region ? { where: command.data.region } : {}), ...(command.data.status ? { status: command.data.status } : {}) };
    return { ok: true, fleet: fleet.data, value, filter };
  }

  app.action<BlockAction<ButtonAction>>(NEXT_PAGE_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const found = await afterAck.run(() => listing(body.user.id, action.value));
    if (!found.ok) {
      await respond({ response_type: "ephemeral", replace_original: false, text: mrkdwn`No next page: ${found.why}.` });
      return;
    }
    const { fleet, value, filter } = found;
    const rows = value.a === undefined ? undefined : await afterAck.run(() => readFleetRows(deps.registry, filter, value.a, FLEET_PAGE_SIZE));
    const page = pageOfFleet(fleet, value.o ?? 0, value.j, value.s, rows);
    await respond({ response_type: "ephemeral", replace_original: true, ...fleetPageMessage(page) });
  });

  app.action<BlockAction<ButtonAction>>(CSV_ACTION, async ({ ack, body, action, respond, client }) => {
    await ack();
    const found = await afterAck.run(() => listing(body.user.id, action.value));
    const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
    if (!found.ok || !channel) {
      await respond({ response_type: "ephemeral", replace_original: false, text: mrkdwn`No CSV: ${found.ok ? "there is no channel to put it in" : found.why}.` });
      return;
    }
    const filename = `qoem-customers-${new Date().toISOString().slice(0, 10)}.csv`;
    try {
      // The whole listing from the registry, a page at a time, with the tenant status the job saw where it kept it.
      const kept = new Map(found.fleet.rows.map((r) => [r.customer, r.tenantStatus]));
      const lines = [fleetCsvHeader];
      await afterAck.run(async () => {
        for await (const page of deps.registry.scan(found.filter)) {
          for (const r of page) {
            const tenantStatus = kept.get(r.customer);
            lines.push(fleetCsvLine({ ...fleetRowOf(r), ...(tenantStatus ? { tenantStatus } : {}) }));
          }
        }
      });
      const count = lines.length - 1;
      await client.filesUploadV2({ channel_id: channel, filename, title: `qoem customers (${found.value.s})`, content: lines.join("\r\n") + "\r\n", initial_comment: `${count} customers (${found.value.s}), as listed by qoem` });
      await deps.audit.record({ user: body.user.id, surface: "slack", action: `list --csv (${found.value.s})`, result: "answered", jobId: found.value.j, detail: `${count} rows` });
    } catch (error) {
      log.warn({ err: (error as Error).message, user: body.user.id }, "CSV not uploaded");
      await respond({ response_type: "ephemeral", replace_original: false, text: mrkdwn`The CSV could not be uploaded: ${(error as Error).message}. Invite qoem to this channel (it needs files:write).` });
    }
  });
}
