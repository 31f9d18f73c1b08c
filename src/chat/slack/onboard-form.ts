/**
 * The onboarding form (a Slack modal) and the reading of its submission. Pure: the places come from
 * the placement table and the configured sites, the templates and licensed features from what core
 * read through the adapters (read-onboarding-choices.ts). A submission becomes the same command text
 * a user would type, parsed by the same parser, so the form can do nothing `/qoem onboard` could not;
 * a bad field comes back as that field's error (`response_action: errors`).
 */
import type { KnownBlock, View } from "@slack/types";
import type { Target } from "../../../adapters/port.ts";
import { findRegion } from "../../../adapters/qlik-cloud/regions.ts";
import { customerSchema, type OnboardCommand } from "../../commands/command-schema.ts";
import { parseCommand, type ParseContext } from "../../commands/parse-command.ts";
import type { OnboardingChoices } from "../../core/read-onboarding-choices.ts";
import { mrkdwn } from "./mrkdwn.ts";
import { clip, contextLine } from "./slack-blocks.ts";

export const ONBOARD_VIEW = "qoem_onboard_form";
export const NEW_CUSTOMER_ACTION = "qoem_new_customer";
const MAX_OPTIONS = 100;

export interface Place {
  /** What the command takes: a region code or a site name (or whatever names a newer kind of place). */
  value: string;
  target: Target;
  /** One line: the datacenter and where it is, or the site and its country. */
  description: string;
}

/** The name a target goes by in commands, for any kind of place the placement table may hold. */
export function placeName(t: Target): string {
  const named = t as unknown as Record<string, unknown>;
  if (t.kind === "cloud") return t.region;
  if (t.kind === "client-managed") return t.site;
  return String(named.name ?? named.tenant ?? named.site ?? named.kind);
}

/** The places to offer: the placement table's (regions Qlik creates tenants in, sites with a country, newer kinds), then configured sites it lacks. */
export function placesOf(ctx: ParseContext): Place[] {
  const out: Place[] = [];
  const seen = new Set<string>();
  for (const o of ctx.placement?.options ?? []) {
    const value = placeName(o.target);
    if (seen.has(value)) continue;
    seen.add(value);
    const region = o.target.kind === "cloud" ? findRegion(o.target.region) : undefined;
    const description = region ? `Qlik Cloud, ${region.location} (${region.datacenter})` : o.target.kind === "client-managed" ? `client-managed site, data in ${o.country}` : `${String((o.target as { kind: string }).kind)}, data in ${o.country}`;
    out.push({ value, target: o.target, description });
  }
  for (const site of ctx.sites) {
    if (seen.has(site)) continue;
    seen.add(site);
    out.push({ value: site, target: { kind: "client-managed", site }, description: "client-managed site" });
  }
  return out.slice(0, MAX_OPTIONS);
}

const plain = (text: string, max = 75) => ({ type: "plain_text" as const, text: clip(text, max) });
const sourceKey = (t: Target) => (t.kind === "cloud" ? "c" : `s:${placeName(t)}`);

/** While the templates and the licence are read: a form with nothing to submit yet. */
export function onboardLoadingView(metadata: string): View {
  return {
    type: "modal",
    callback_id: ONBOARD_VIEW,
    private_metadata: metadata,
    title: plain("New customer", 24),
    close: plain("Cancel", 24),
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "Reading the templates and the licence… (a few seconds)" } }],
  };
}

/** The form. `metadata` carries the channel the onboard's thread goes to (absent from App Home: the form then asks). */
export function onboardFormView(ctx: ParseContext, choices: OnboardingChoices, metadata: string, askChannel: boolean): View {
  const places = placesOf(ctx);
  const blocks: KnownBlock[] = [
    { type: "input", block_id: "name", label: plain("Customer name"), hint: plain("lower-case letters, digits and single hyphens, 2 to 40", 150), element: { type: "plain_text_input", action_id: "value", max_length: 40, placeholder: plain("acme", 150) } },
    {
      type: "input",
      block_id: "where",
      label: plain("Where"),
      element: { type: "static_select", action_id: "value", placeholder: plain("A region or site", 150), options: places.map((p) => ({ text: plain(p.value), value: p.value, description: plain(p.description) })) },
    },
  ];
  const groups: Array<{ label: { type: "plain_text"; text: string }; options: Array<{ text: { type: "plain_text"; text: string }; value: string }> }> = [];
  const unread: string[] = [];
  let offered = 0;
  let cut = false;
  for (const source of choices.templates) {
    const where = source.target.kind === "cloud" ? "Qlik Cloud (source tenant)" : `site ${placeName(source.target)}`;
    if (!source.read.ok) {
      unread.push(`${where}: ${source.read.why}`);
      continue;
    }
    const names = source.read.value.filter((n) => n.length <= 140).slice(0, MAX_OPTIONS - offered);
    cut ||= names.length < source.read.value.length;
    offered += names.length;
    if (names.length) groups.push({ label: plain(where), options: names.map((n) => ({ text: plain(n), value: `${sourceKey(source.target)}|${n}` })) });
  }
  if (groups.length) {
    blocks.push({ type: "input", block_id: "templates", optional: true, label: plain("Templates"), hint: plain("None chosen: every template of the place. Pick templates of the place chosen above.", 150), element: { type: "multi_static_select", action_id: "value", placeholder: plain("All templates", 150), option_groups: groups } });
  }
  if (unread.length || cut || !groups.length) {
    const why = unread.length ? `qoem could not read the templates (${unread.join("; ")}).` : cut ? "There are more templates than a list can show." : "No templates were found.";
    blocks.push(contextLine(mrkdwn`${clip(why, 2500)} Type template names below, separated by commas, or leave it empty for every template.`));
    blocks.push({ type: "input", block_id: "templates_typed", optional: true, label: plain("Template names"), element: { type: "plain_text_input", action_id: "value", max_length: 2000, placeholder: plain("Sales, Finance", 150) } });
  }
  const features = choices.features;
  if (features) {
    const offer = features.ok ? features.value : ["automation", "alerting", "reporting", "ai", "direct-query"];
    if (!features.ok) blocks.push(contextLine(mrkdwn`The licence could not be read (${clip(features.why, 500)}): every feature is offered, and the onboard checks the licence before it creates anything.`));
    if (offer.length) {
      blocks.push({ type: "input", block_id: "features", optional: true, label: plain("Features (Qlik Cloud only)"), element: { type: "checkboxes", action_id: "value", options: offer.slice(0, 10).map((f) => ({ text: plain(f), value: f })) } });
    } else blocks.push(contextLine("The licence allows none of the optional features (automation, alerting, reporting, AI, direct query)."));
  }
  blocks.push({ type: "input", block_id: "dry_run", optional: true, label: plain("Dry run"), element: { type: "checkboxes", action_id: "value", options: [{ text: plain("Only show the plan; change nothing"), value: "dry-run" }] } });
  if (askChannel) {
    blocks.push({ type: "input", block_id: "channel", label: plain("Post progress in"), element: { type: "conversations_select", action_id: "value", filter: { include: ["public", "private"], exclude_bot_users: true } } });
  }
  return { type: "modal", callback_id: ONBOARD_VIEW, private_metadata: metadata, title: plain("New customer", 24), submit: plain("Onboard", 24), close: plain("Cancel", 24), blocks };
}

/** A submitted form's values, as Slack sends them (`view.state.values[block][action]`). */
export type FormValues = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_options?: Array<{ value: string }>; selected_conversation?: string | null }>>;

export type FormReading = { ok: true; text: string; command: OnboardCommand; channel?: string } | { ok: false; errors: Record<string, string> };

/** The field a parse error is about, by what its reason names. */
function fieldOf(reason: string, typed: boolean): string {
  if (/feature|only offered by Qlik Cloud/i.test(reason)) return "features";
  if (/template/i.test(reason)) return typed ? "templates_typed" : "templates";
  if (/region|site|residency|datacenter/i.test(reason)) return "where";
  return "name";
}

/** The submission as the command text a user would type, parsed; or the errors to show on its fields. */
export function readOnboardForm(values: FormValues, ctx: ParseContext): FormReading {
  const v = (block: string) => values[block]?.value;
  const name = (v("name")?.value ?? "").trim();
  const checked = customerSchema.safeParse(name);
  if (!checked.success) return { ok: false, errors: { name: checked.error.issues[0]?.message ?? "not a valid customer name" } };
  const where = v("where")?.selected_option?.value ?? "";
  if (!where) return { ok: false, errors: { where: "choose a region or site" } };
  const chosen = (v("templates")?.selected_options ?? []).map((o) => o.value);
  const place = placesOf(ctx).find((p) => p.value === where);
  const foreign = chosen.filter((c) => place && !c.startsWith(`${sourceKey(place.target)}|`));
  if (foreign.length) return { ok: false, errors: { templates: `${foreign.map((c) => c.slice(c.indexOf("|") + 1)).join(", ")} ${foreign.length > 1 ? "are not templates" : "is not a template"} of ${where}; pick templates of the place chosen` } };
  const typed = (v("templates_typed")?.value ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  const templates = [...chosen.map((c) => c.slice(c.indexOf("|") + 1)), ...typed];
  const bad = templates.find((t) => /["\u201c\u201d]/.test(t));
  if (bad !== undefined) return { ok: false, errors: { [typed.includes(bad) ? "templates_typed" : "templates"]: "a template name cannot hold a double quote" } };
  const features = (v("features")?.selected_options ?? []).map((o) => o.value);
  const dryRun = (v("dry_run")?.selected_options ?? []).length > 0;
  const text = [`onboard ${name} ${where}`, ...templates.map((t) => `--template "${t}"`), ...(features.length ? [`--features ${features.join(",")}`] : []), ...(dryRun ? ["--dry-run"] : [])].join(" ");
  const parsed = parseCommand(text, ctx);
  // A template error belongs to the typed names when one of them is what the reason quotes.
  if (!parsed.ok) return { ok: false, errors: { [fieldOf(parsed.error.reason, typed.some((t) => parsed.error.reason.includes(t)))]: clip(parsed.error.reason, 2000) } };
  if (parsed.command.name !== "onboard") return { ok: false, errors: { name: "not an onboard" } };
  const channel = v("channel")?.selected_conversation ?? undefined;
  return { ok: true, text, command: parsed.command, ...(channel ? { channel } : {}) };
}
