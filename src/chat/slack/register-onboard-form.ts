/**
 * The onboarding form's Slack side: opened by `/qoem onboard` without arguments or by App Home's
 * "New customer" button (a loading form at once, while the trigger is fresh, then the full form once
 * the templates and the licence are read), and its submission: a bad field is answered on that field
 * (`response_action: errors`, decided without I/O, so the answer is also the ack); a good one closes
 * the form and runs exactly what the typed command runs (start-onboard.ts).
 */
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { z } from "zod";
import type { OnboardingChoices } from "../../core/read-onboarding-choices.ts";
import type { DispatchDeps } from "../dispatch-command.ts";
import { NEW_CUSTOMER_ACTION, ONBOARD_VIEW, onboardFormView, onboardLoadingView, readOnboardForm, type FormValues } from "./onboard-form.ts";
import type { AfterAckScheduler } from "./schedule-after-ack.ts";
import { startOnboard } from "./start-onboard.ts";

export interface OnboardFormDeps {
  dispatch: DispatchDeps;
  afterAck: AfterAckScheduler;
  logger: Logger;
  /** Reads the templates and the licence through the adapters (core); absent: the form asks for names. */
  choices?: () => Promise<OnboardingChoices>;
}

const metadataSchema = z.object({ c: z.string().regex(/^[CGD][A-Z0-9]+$/).optional() });

/** Opens the form; `channel` is where the onboard's thread will go (from App Home there is none yet: the form asks). */
export async function openOnboardForm(client: WebClient, triggerId: string, deps: OnboardFormDeps, channel?: string): Promise<void> {
  const metadata = JSON.stringify(channel ? { c: channel } : {});
  const opened = await client.views.open({ trigger_id: triggerId, view: onboardLoadingView(metadata) });
  const choices: OnboardingChoices = deps.choices ? await deps.choices() : { templates: [] };
  const view = onboardFormView(deps.dispatch.parseContext, choices, metadata, !channel);
  await client.views.update({ view_id: opened.view?.id ?? "", ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
}

export function registerOnboardForm(app: App, deps: OnboardFormDeps): void {
  const log = deps.logger.child({ surface: "slack", component: "onboard-form" });

  app.action(NEW_CUSTOMER_ACTION, async ({ ack, body, client }) => {
    await ack();
    const triggerId = "trigger_id" in body ? String(body.trigger_id) : "";
    await openOnboardForm(client, triggerId, deps).catch((e: unknown) => log.warn({ err: (e as Error).message, user: body.user.id }, "onboarding form not opened"));
  });

  app.view(ONBOARD_VIEW, async ({ ack, body, view, client }) => {
    const reading = readOnboardForm(view.state.values as unknown as FormValues, deps.dispatch.parseContext);
    if (!reading.ok) {
      await ack({ response_action: "errors", errors: reading.errors });
      return;
    }
    const meta = metadataSchema.safeParse((() => {
      try {
        return JSON.parse(view.private_metadata || "{}") as unknown;
      } catch {
        return {};
      }
    })());
    const channel = (meta.success ? meta.data.c : undefined) ?? reading.channel;
    if (!channel) {
      await ack({ response_action: "errors", errors: { channel: "choose the channel where the progress goes" } });
      return;
    }
    await ack();
    const user = body.user.id;
    await startOnboard({
      command: reading.command,
      request: { text: reading.text, user, surface: "slack" },
      channel,
      client,
      dispatch: deps.dispatch,
      afterAck: deps.afterAck,
      logger: log,
      // Only the asker sees refusals: where the form was opened, or in a direct message.
      tell: (text) => client.chat.postEphemeral({ channel, user, text }).catch(() => client.chat.postMessage({ channel: user, text })),
    });
  });
}
