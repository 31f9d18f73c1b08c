/**
 * Command text -> a typed command or a one-line reason with the usage line. Pure: no I/O, the
 * configured site names are passed in. Every chat surface, the shell and `qoem run` use it.
 */
import type { z } from "zod";
import { cloudRegionCodes, creatableRegionCodes, findRegion } from "../../adapters/qlik-cloud/regions.ts";
import {
  approvalIdSchema,
  cloudOnlyFeatures,
  commandSchema,
  customerSchema,
  customerStatuses,
  DEFAULT_PURGE_AFTER_DAYS,
  MAX_PURGE_AFTER_DAYS,
  MIN_PURGE_AFTER_DAYS,
  templateNameSchema,
  type Command,
  type CommandName,
} from "./command-schema.ts";
import { usage } from "./help-text.ts";
import { tokenize, TokenizeError } from "./tokenize.ts";
import { closestNames, didYouMean } from "./closest-names.ts";
import { rolloutIdSchema } from "../core/rollout-records.ts";
import { placeByResidency, residencySchema, targetSatisfies, type PlacementTable } from "../core/place-by-residency.ts";
import { checkSharedFlags } from "../core/shared-tenant-guardrails.ts";
import type { Target } from "../../adapters/port.ts";

export const MAX_COMMAND_LENGTH = 1000;

export interface ParseContext {
  /** Client-managed site names from the config. */
  sites: readonly string[];
  /** Where each target keeps data, for `--residency` (absent: residency cannot be placed). */
  placement?: PlacementTable;
  /** Shared-tenant names from the config (`shared` in local mode). */
  sharedTenants?: readonly string[];
}

export interface CommandError {
  reason: string;
  usage: string;
  command?: CommandName;
  /** Well formed but turned down (a role, the customer's state, a guardrail): the usage line would not help. */
  refused?: true;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: CommandError };

class ParseFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Echo user input safely in an error: one line, clipped, no control characters. */
export function quote(text: string, max = 40): string {
  const clean = [...text].map((c) => (/[\p{Cc}\p{Cf}]/u.test(c) ? "?" : c)).join("");
  const chars = [...clean];
  return `'${chars.length > max ? `${chars.slice(0, max).join("")}…` : clean}'`;
}

const commandNames = Object.keys(usage) as CommandName[];

interface Flags {
  positionals: string[];
  values: Map<string, string[]>;
  switches: Set<string>;
}

function splitFlags(tokens: string[], valued: Record<string, { repeat: boolean }>, switches: string[]): Flags {
  const out: Flags = { positionals: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith("--")) {
      out.positionals.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const flag = (eq >= 0 ? token.slice(0, eq) : token).toLowerCase();
    const name = flag.slice(2);
    if (switches.includes(name)) {
      if (eq >= 0) throw new ParseFailure(`${flag} takes no value`);
      if (out.switches.has(name)) throw new ParseFailure(`${flag} is given twice`);
      out.switches.add(name);
      continue;
    }
    const spec = valued[name];
    if (!spec) throw new ParseFailure(`unknown option ${quote(flag)}`);
    let value: string | undefined;
    if (eq >= 0) value = token.slice(eq + 1);
    else {
      value = tokens[i + 1];
      if (value !== undefined && value.startsWith("--")) value = undefined;
      else i++;
    }
    if (value === undefined || value === "") throw new ParseFailure(`${flag} needs a value`);
    const list = out.values.get(name) ?? [];
    if (list.length && !spec.repeat) throw new ParseFailure(`${flag} is given twice`);
    list.push(value);
    out.values.set(name, list);
  }
  return out;
}

function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid value";
}

function parseCustomer(raw: string | undefined, what = "customer"): string {
  if (raw === undefined) throw new ParseFailure(`a ${what} name is required`);
  const parsed = customerSchema.safeParse(raw);
  if (!parsed.success) throw new ParseFailure(`${quote(raw)} is not a valid customer name: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function noMore(positionals: string[], from: number): void {
  const extra = positionals[from];
  if (extra !== undefined) throw new ParseFailure(`unexpected ${quote(extra)}`);
}

function describeTargets(ctx: ParseContext): string {
  const sites = ctx.sites.length ? `; sites: ${ctx.sites.join(", ")}` : "; no client-managed sites are configured";
  const shared = ctx.sharedTenants?.length ? `; shared tenants: ${ctx.sharedTenants.join(", ")}` : "";
  return `regions: ${creatableRegionCodes.join(", ")}${sites}${shared}`;
}

const placeName = (t: Target) => (t.kind === "cloud" ? t.region : t.kind === "shared" ? t.tenant : t.site);

function buildCommand(name: CommandName, tokens: string[], ctx: ParseContext): unknown {
  switch (name) {
    case "onboard": {
      const f = splitFlags(tokens, { template: { repeat: true }, features: { repeat: false }, residency: { repeat: false } }, ["dry-run", "personal-data"]);
      const customer = parseCustomer(f.positionals[0]);
      const rawResidency = f.values.get("residency")?.[0];
      let residency: string | undefined;
      if (rawResidency !== undefined) {
        const r = residencySchema.safeParse(rawResidency);
        if (!r.success) throw new ParseFailure(`--residency takes a country code such as DE or CH, or EU, not ${quote(rawResidency)}`);
        residency = r.data;
      }
      let where = f.positionals[1]?.toLowerCase();
      if (where === undefined && residency === undefined) throw new ParseFailure(`a region or site is required, or --residency (${describeTargets(ctx)})`);
      noMore(f.positionals, 2);
      let target: Target;
      const personalData = f.switches.has("personal-data");
      if (where === undefined) {
        const placed = placeByResidency(residency!, ctx.placement ?? { options: [] });
        if (!placed.ok) throw new ParseFailure(placed.reason);
        target = placed.target;
        where = placeName(placed.target);
      } else if (cloudRegionCodes.includes(where)) target = { kind: "cloud", region: where };
      else if (ctx.sites.includes(where)) target = { kind: "client-managed", site: where };
      else if (ctx.sharedTenants?.includes(where)) {
        target = { kind: "shared", tenant: where };
        // The guide's limits that the command itself shows: a residency need or personal data rule a shared tenant out.
        const flags = checkSharedFlags({ customer, tenant: where, templates: [], features: [], ...(residency ? { residency } : {}), personalData });
        if (!flags.ok) throw new ParseFailure(flags.reason);
      }
      else throw new ParseFailure(`unknown region or site ${quote(where)} (${describeTargets(ctx)})`);
      const region = target.kind === "cloud" ? findRegion(target.region) : undefined;
      if (region && !region.creatable) {
        throw new ParseFailure(`Qlik cannot create tenants in region '${region.code}' (${region.datacenter}, ${region.location}) through its API yet; onboard to one of ${creatableRegionCodes.join(", ")}`);
      }
      if (residency !== undefined && !targetSatisfies(target, residency, ctx.placement ?? { options: [] })) {
        throw new ParseFailure(`${quote(where)} does not keep data in ${residency}; leave the target out and qoem picks one that does`);
      }
      const templates = (f.values.get("template") ?? []).map((t) => {
        const parsed = templateNameSchema.safeParse(t);
        if (!parsed.success) throw new ParseFailure(`${quote(t)} is not a valid template name: ${firstIssue(parsed.error)}`);
        return t;
      });
      const features: string[] = [];
      for (const raw of (f.values.get("features")?.[0] ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
        if (!(cloudOnlyFeatures as readonly string[]).includes(raw)) {
          throw new ParseFailure(`unknown feature ${quote(raw)} (features: ${cloudOnlyFeatures.join(", ")})`);
        }
        if (!features.includes(raw)) features.push(raw);
      }
      if (f.values.has("features") && features.length === 0) throw new ParseFailure("--features needs at least one feature");
      if (target.kind === "client-managed" && features.length) {
        throw new ParseFailure(`${features.join(", ")} ${features.length > 1 ? "are" : "is"} only offered by Qlik Cloud; client-managed site '${where}' cannot provide ${features.length > 1 ? "them" : "it"}`);
      }
      return { name, customer, target, templates, features, dryRun: f.switches.has("dry-run"), ...(residency ? { residency } : {}), ...(personalData ? { personalData } : {}) };
    }
    case "offboard": {
      const f = splitFlags(tokens, { "purge-after": { repeat: false } }, []);
      const customer = parseCustomer(f.positionals[0]);
      noMore(f.positionals, 1);
      const rawDays = f.values.get("purge-after")?.[0];
      let purgeAfterDays = DEFAULT_PURGE_AFTER_DAYS;
      if (rawDays !== undefined) {
        if (!/^\d{1,3}$/.test(rawDays) || Number(rawDays) < MIN_PURGE_AFTER_DAYS || Number(rawDays) > MAX_PURGE_AFTER_DAYS) {
          throw new ParseFailure(`--purge-after takes a whole number of days from ${MIN_PURGE_AFTER_DAYS} to ${MAX_PURGE_AFTER_DAYS}, not ${quote(rawDays)}`);
        }
        purgeAfterDays = Number(rawDays);
      }
      return { name, customer, purgeAfterDays };
    }
    case "reactivate":
    case "abandon":
    case "status": {
      const f = splitFlags(tokens, {}, []);
      const customer = parseCustomer(f.positionals[0]);
      noMore(f.positionals, 1);
      return { name, customer };
    }
    case "health": {
      const f = splitFlags(tokens, {}, []);
      const first = f.positionals[0];
      noMore(f.positionals, 1);
      if (first === undefined || first.toLowerCase() === "all") return { name, scope: { all: true } };
      return { name, scope: { customer: parseCustomer(first) } };
    }
    case "list": {
      const f = splitFlags(tokens, { region: { repeat: false }, status: { repeat: false } }, []);
      noMore(f.positionals, 0);
      const region = f.values.get("region")?.[0]?.toLowerCase();
      if (region !== undefined && !cloudRegionCodes.includes(region) && !ctx.sites.includes(region) && !ctx.sharedTenants?.includes(region)) {
        throw new ParseFailure(`unknown region or site ${quote(region)} (${describeTargets(ctx)})`);
      }
      const status = f.values.get("status")?.[0]?.toLowerCase();
      if (status !== undefined && !(customerStatuses as readonly string[]).includes(status)) {
        throw new ParseFailure(`unknown status ${quote(status)} (statuses: ${customerStatuses.join(", ")})`);
      }
      return { name, ...(region ? { region } : {}), ...(status ? { status } : {}) };
    }
    case "audit": {
      const f = splitFlags(tokens, {}, []);
      noMore(f.positionals, 1);
      return { name, ...(f.positionals[0] !== undefined ? { customer: parseCustomer(f.positionals[0]) } : {}) };
    }
    case "approve":
    case "reject": {
      const id = tokens[0];
      if (id === undefined) throw new ParseFailure("an approval request id is required");
      const parsed = approvalIdSchema.safeParse(id);
      if (!parsed.success) throw new ParseFailure(`${quote(id)} is not an approval request id: ${firstIssue(parsed.error)}`);
      if (name === "approve") {
        noMore(tokens, 1);
        return { name, requestId: id };
      }
      const reason = tokens.slice(1).join(" ").replace(/[\p{Cc}\p{Cf}]/gu, " ").trim();
      if (reason.length > 300) throw new ParseFailure("a reason has at most 300 characters");
      return { name, requestId: id, ...(reason ? { reason } : {}) };
    }
    case "move": {
      const f = splitFlags(tokens, {}, ["dry-run"]);
      const customer = parseCustomer(f.positionals[0]);
      const where = f.positionals[1]?.toLowerCase();
      if (where === undefined) throw new ParseFailure(`a region to move to, or back, is required (regions: ${creatableRegionCodes.join(", ")})`);
      noMore(f.positionals, 2);
      const dryRun = f.switches.has("dry-run");
      if (where === "back") {
        if (dryRun) throw new ParseFailure("move back has no dry run: it points the customer at its untouched source again");
        return { name, customer, to: { kind: "back" }, dryRun };
      }
      if (ctx.sites.includes(where)) throw new ParseFailure(`a move goes to a Qlik Cloud region (${creatableRegionCodes.join(", ")}); qoem does not import apps into a client-managed site such as '${where}'`);
      // The guide's shared tenant is for a few anonymous, identical customers: qoem onboards into it, never moves into it.
      if (ctx.sharedTenants?.includes(where)) throw new ParseFailure(`a customer is not moved into a shared tenant such as '${where}'; onboard a new customer there with /qoem onboard <customer> ${where}, or move to a region (${creatableRegionCodes.join(", ")})`);
      if (!cloudRegionCodes.includes(where)) throw new ParseFailure(`unknown region ${quote(where)} (regions: ${creatableRegionCodes.join(", ")}, or back)`);
      const region = findRegion(where);
      if (region && !region.creatable) throw new ParseFailure(`Qlik cannot create tenants in region '${region.code}' (${region.datacenter}, ${region.location}) through its API yet; move to one of ${creatableRegionCodes.join(", ")}`);
      return { name, customer, to: { kind: "cloud", region: where }, dryRun };
    }
    case "rollout":
      return parseRollout(tokens, ctx);
    case "help": {
      const f = splitFlags(tokens, {}, []);
      noMore(f.positionals, 1);
      const topic = f.positionals[0]?.toLowerCase();
      if (topic !== undefined && !commandNames.includes(topic as CommandName)) {
        throw new ParseFailure(`there is no command ${quote(topic)} (commands: ${commandNames.join(", ")})`);
      }
      return { name, ...(topic ? { topic } : {}) };
    }
  }
}

const rolloutControls = ["status", "pause", "resume", "cancel"];

function parseRollout(tokens: string[], ctx: ParseContext): unknown {
  const f = splitFlags(tokens, { region: { repeat: false }, site: { repeat: false }, customers: { repeat: false }, canary: { repeat: false }, threshold: { repeat: false } }, ["dry-run"]);
  const first = f.positionals[0];
  if (first === undefined) throw new ParseFailure('a template name is required, in quotes when it has spaces: rollout "Sales Overview"');
  const control = first.toLowerCase();
  if (rolloutControls.includes(control) && f.positionals[1] !== undefined) {
    if (f.values.size || f.switches.size) throw new ParseFailure(`rollout ${control} takes only a rollout id`);
    noMore(f.positionals, 2);
    const parsed = rolloutIdSchema.safeParse(f.positionals[1]);
    if (!parsed.success) throw new ParseFailure(`${quote(f.positionals[1]!)} is not a rollout id: ${firstIssue(parsed.error)}`);
    return { name: "rollout", action: control, rolloutId: parsed.data };
  }
  noMore(f.positionals, 1);
  const template = templateNameSchema.safeParse(first);
  if (!template.success) throw new ParseFailure(`${quote(first)} is not a valid template name: ${firstIssue(template.error)}`);
  const region = f.values.get("region")?.[0]?.toLowerCase();
  const site = f.values.get("site")?.[0]?.toLowerCase();
  const list = f.values.get("customers")?.[0];
  if ([region, site, list].filter((v) => v !== undefined).length > 1) throw new ParseFailure("give one of --region, --site or --customers");
  let scope: unknown = { kind: "all" };
  if (region !== undefined) {
    if (!cloudRegionCodes.includes(region)) throw new ParseFailure(`unknown region ${quote(region)} (regions: ${cloudRegionCodes.join(", ")})`);
    scope = { kind: "region", region };
  } else if (site !== undefined) {
    if (!ctx.sites.includes(site)) throw new ParseFailure(`unknown site ${quote(site)} (${ctx.sites.length ? `sites: ${ctx.sites.join(", ")}` : "no client-managed sites are configured"})`);
    scope = { kind: "site", site };
  } else if (list !== undefined) {
    const customers = [...new Set(list.split(",").map((c) => c.trim()).filter(Boolean))].map((c) => parseCustomer(c));
    if (customers.length === 0) throw new ParseFailure("--customers needs at least one customer");
    if (customers.length > 500) throw new ParseFailure("--customers takes at most 500 customers; use --region or --site for more");
    scope = { kind: "customers", customers };
  }
  const number = (flag: string, max: number): number | undefined => {
    const raw = f.values.get(flag)?.[0];
    if (raw === undefined) return undefined;
    if (!/^\d{1,4}(\.\d+)?%?$/.test(raw) || Number(raw.replace("%", "")) > max) throw new ParseFailure(`--${flag} takes a number from 0 to ${max}, not ${quote(raw)}`);
    return Number(raw.replace("%", ""));
  };
  const canary = number("canary", 1000);
  if (canary !== undefined && !Number.isInteger(canary)) throw new ParseFailure("--canary takes a whole number of customers");
  const thresholdPct = number("threshold", 100);
  return { name: "rollout", action: "start", template: template.data, scope, dryRun: f.switches.has("dry-run"), ...(canary !== undefined ? { canary } : {}), ...(thresholdPct !== undefined ? { thresholdPct } : {}) };
}

export function parseCommand(text: string, ctx: ParseContext = { sites: [] }): ParseResult {
  const generalUsage = "help [command]";
  if (text.length > MAX_COMMAND_LENGTH) {
    return { ok: false, error: { reason: `the command is too long (${text.length} characters, at most ${MAX_COMMAND_LENGTH})`, usage: generalUsage } };
  }
  let tokens: string[];
  try {
    tokens = tokenize(text);
  } catch (e) {
    const reason = e instanceof TokenizeError ? e.message : "the command could not be read";
    return { ok: false, error: { reason, usage: generalUsage } };
  }
  if (tokens[0]?.toLowerCase() === "/qoem") tokens.shift();
  const verb = tokens.shift()?.toLowerCase();
  if (verb === undefined) return { ok: false, error: { reason: "no command given", usage: generalUsage } };
  if (!commandNames.includes(verb as CommandName)) {
    const guess = didYouMean(closestNames(verb, commandNames, 1));
    return { ok: false, error: { reason: guess ? `unknown command ${quote(verb)}${guess}` : `unknown command ${quote(verb)} (commands: ${commandNames.join(", ")})`, usage: generalUsage } };
  }
  const name = verb as CommandName;
  try {
    const built = buildCommand(name, tokens, ctx);
    const parsed = commandSchema.safeParse(built);
    if (!parsed.success) return { ok: false, error: { reason: firstIssue(parsed.error), usage: usage[name], command: name } };
    return { ok: true, command: parsed.data };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: { reason: e.reason, usage: usage[name], command: name } };
    throw e;
  }
}

/** A malformed command's reason and the usage line that shows the right form; a refusal's reason alone. */
export function formatCommandError(error: CommandError): string {
  return error.refused ? error.reason : `${error.reason}\nUsage: /qoem ${error.usage}`;
}
