/**
 * Configuration: environment variables and the optional config file (YAML or JSON, `QOEM_CONFIG`),
 * validated once at start. The only place that reads the environment; it takes `env` as a
 * parameter so tests pass their own. A bad value stops start-up with a message naming the field
 * (never its value: describe-config-issues.ts); files the config names must be readable at start.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { cloudRegionCodes, cloudRegions, registerHost, organizationHost } from "../adapters/qlik-cloud/regions.ts";
import type { CloudOnboardingOptions } from "../adapters/qlik-cloud/onboarding-options.ts";
import { describeIssues, describeSyntaxError } from "./describe-config-issues.ts";
import { cloudOnlyFeatures, templateNameSchema } from "./commands/command-schema.ts";
import { checkConfigFiles } from "./check-config-files.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

const idList = z
  .string()
  .optional()
  .transform((s) => (s ?? "").split(",").map((x) => x.trim()).filter(Boolean));

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith("xapp-", "must be an app-level token (xapp-...)").optional(),
  SLACK_API_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").default("redis://127.0.0.1:6379"),
  QOEM_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, "letters, digits, '_', '.', '-' only (1 to 40)").default("qoem"),
  QOEM_CONFIG: z.string().min(1).optional(),
  QOEM_ROLES: z
    .string()
    .default("chat,worker,scheduler")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(["chat", "worker", "scheduler"])).min(1, "name at least one of chat, worker, scheduler")),
  QOEM_EMULATORS: z.enum(["0", "1", "true", "false"]).optional(),
  QOEM_EMULATOR_URL: z.string().url().optional(),
  QOEM_ENGINEERS: idList,
  QOEM_ONCALL: idList,
  QOEM_APPROVERS: idList,
  QOEM_APPROVALS_CHANNEL: z.string().min(1).optional(),
  QOEM_ALERTS_CHANNEL: z.string().min(1).optional(),
  QOEM_APPROVAL_EXPIRY_HOURS: z.coerce.number().positive().max(24 * 30).optional(),
  QOEM_MOVE_GRACE_DAYS: z.coerce.number().min(0).max(90).optional(),
  QOEM_SWEEP_MINUTES: z.coerce.number().positive().max(24 * 60).optional(),
  QOEM_AUDIT_MAXLEN: z.coerce.number().int().min(100).optional(),
  QOEM_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  /** `name:sha256hex:scope+scope,...`: provisioning API tokens, as hashes. */
  QOEM_API_TOKENS: z.string().optional(),
  QOEM_API_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  QOEM_API_CHANNEL: z.string().min(1).optional(),
});

export const apiScopes = ["onboard", "read", "offboard:request"] as const;
export type ApiScope = (typeof apiScopes)[number];
const apiTokenSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, "a token name is 1 to 40 letters, digits, '_', '.', '-'"),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the SHA-256 of the token, 64 lower-case hex digits"),
    scopes: z.array(z.enum(apiScopes)).min(1),
  })
  .strict();
export type ApiToken = z.infer<typeof apiTokenSchema>;

/** Two tokens with one hash or one name would make a call's scopes depend on which is found first. */
function uniqueTokens(tokens: ApiToken[]): ApiToken[] {
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) throw new ConfigError(`api tokens: the name ${t.name} is given twice`);
    if (hashes.has(t.sha256)) throw new ConfigError(`api tokens: token ${t.name} has the same sha256 as another token; give each token its own secret`);
    names.add(t.name);
    hashes.add(t.sha256);
  }
  return tokens;
}

/** `QOEM_API_TOKENS=name:sha256hex:scope+scope,...` */
function parseApiTokens(value: string | undefined): ApiToken[] {
  if (!value) return [];
  return value.split(",").map((entry, i) => {
    // The scopes come last and may hold a colon themselves (offboard:request).
    const [name = "", sha256 = "", ...rest] = entry.trim().split(":");
    const scopes = rest.join(":");
    const parsed = apiTokenSchema.safeParse({ name, sha256, scopes: scopes.split("+").filter(Boolean) });
    if (!parsed.success) throw new ConfigError(`environment: QOEM_API_TOKENS entry ${i + 1}: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message} (write name:sha256hex:scope+scope, scopes ${apiScopes.join(", ")})`);
    return parsed.data;
  });
}

const credentials = { clientId: z.string().min(1), clientSecret: z.string().min(1) };
const hostname = z.string().regex(/^[a-z0-9.-]+$/i, "must be a bare hostname such as acme.eu.qlikcloud.com");
const slackIds = z.array(z.string().regex(/^[A-Z0-9]+$/, "must be a Slack user or user-group id such as U0123ABC or S0123ABC")).default([]);

const brandSchema = z
  .object({ name: z.string().min(1).optional(), description: z.string().optional(), logo: z.string().optional(), favIcon: z.string().optional(), styles: z.string().optional() })
  .strict();

/** Calls a minute to a site's repository when the config does not say: QRS documents no limit; this keeps a sweep or bulk onboard from flooding it. */
export const DEFAULT_QRS_REQUESTS_PER_MINUTE = 600;

const siteSchema = z
  .object({
    engineUrl: z.string().url(),
    qrsUrl: z.string().url(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    ca: z.string().min(1).optional(),
    userDirectory: z.string().min(1).default("INTERNAL"),
    userId: z.string().min(1).default("sa_repository"),
    templateStream: z.string().min(1).default("OEM templates"),
    jwtPublicKey: z.string().min(1).optional(),
    /** Origins (https://host[:port]) or host names of the pages embedding customers' apps: the JWT virtual proxies' WebSocket whitelist. */
    allowedOrigins: z.array(z.string().regex(/^(https?:\/\/)?[a-z0-9.-]+(:\d+)?$/i, "an origin such as https://app.example.com, or a host name")).optional(),
    /** Where the site stands (ISO 3166 alpha-2, e.g. CH), for placing customers by data residency. */
    country: z.string().regex(/^[A-Z]{2}$/, "a country code such as CH").optional(),
    /** Calls a minute to the site's repository (QRS), shared by every qoem worker: a sweep or bulk onboard cannot flood it. */
    qrsRequestsPerMinute: z.number().int().positive().max(100_000).default(DEFAULT_QRS_REQUESTS_PER_MINUTE),
  })
  .strict();

/**
 * A Qlik Cloud tenant customers share, separated by spaces, under the guide's guardrails. Its OAuth
 * client defaults to the region's; templates and features are what every customer there gets.
 */
const sharedTenantSchema = z
  .object({
    hostname,
    region: z.enum(cloudRegionCodes as [string, ...string[]]),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    templates: z.array(templateNameSchema).max(20).default([]),
    // Data alerts are a collaboration feature the guide turns off in a shared tenant.
    features: z.array(z.enum(cloudOnlyFeatures).refine((f) => f !== "alerting", "alerting (data alerts) is turned off in a shared tenant")).default([]),
    dummyEmailDomain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, "a domain such as users.invalid").default("users.invalid"),
  })
  .strict()
  .refine((t) => Boolean(t.clientId) === Boolean(t.clientSecret), "clientId and clientSecret go together (or neither: the region's client)");

const fileSchema = z
  .object({
    cloud: z
      .object({
        regions: z
          .partialRecord(
            z.enum(cloudRegionCodes as [string, ...string[]]),
            z.object({ ...credentials, datacenter: z.string().min(1).optional(), registerHost: hostname.optional() }).strict(),
          )
          .default({}),
        organization: z.object({ ...credentials, subscriptionId: z.string().min(1), host: hostname.default(organizationHost) }).strict().optional(),
        licenseKey: z.string().min(1).optional(),
        sourceTenant: z.object({ hostname, region: z.enum(cloudRegionCodes as [string, ...string[]]) }).strict().optional(),
        templates: z.object({ space: z.string().min(1).default("OEM templates"), apps: z.array(z.string().min(1)).optional() }).strict().optional(),
        identity: z
          .object({
            jwt: z.object({ issuer: z.string().min(1), keyId: z.string().min(1), publicKey: z.string().includes("BEGIN PUBLIC KEY", { message: "must be a PEM public key" }) }).strict().optional(),
            oidc: z
              .object({
                provider: z.enum(["auth0", "okta", "generic", "salesforce", "keycloak", "adfs", "azureAD"]),
                discoveryUrl: z.string().url(),
                clientId: z.string().min(1),
                clientSecret: z.string().min(1),
                realm: z.string().optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
        groups: z.array(z.string().min(1).max(200)).optional(),
        licenses: z.object({ autoAssignProfessional: z.boolean(), autoAssignAnalyzer: z.boolean() }).strict().optional(),
        branding: z.object({ default: brandSchema.optional(), customers: z.record(z.string(), brandSchema).default({}) }).strict().optional(),
        // Qlik's webhook secret is 32 to 64 characters (its specification's Webhook.secret).
        monitoring: z.object({ webhookUrl: z.string().url().startsWith("https://", "Qlik calls webhooks over https only"), secret: z.string().min(32, "Qlik takes a webhook secret of 32 to 64 characters").max(64, "Qlik takes a webhook secret of 32 to 64 characters").optional() }).strict().optional(),
        rateLimits: z.object({ tier1PerMinute: z.number().int().positive(), tier2PerMinute: z.number().int().positive(), specialPerMinute: z.number().int().positive().optional() }).strict().optional(),
        /** The largest app a tenant takes (MB): a move refuses a bigger app before it starts. Qlik Cloud's standard limit is 5 GB. */
        maxAppSizeMB: z.number().positive().max(50 * 1024).optional(),
      })
      .strict()
      .optional(),
    sites: z.record(z.string().regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/, "site names are lower-case slugs").refine((s) => !cloudRegionCodes.includes(s), "a site cannot be named like a Qlik Cloud region"), siteSchema).default({}),
    sharedTenants: z.record(z.string().regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/, "shared-tenant names are lower-case slugs").max(40).refine((s) => !cloudRegionCodes.includes(s), "a shared tenant cannot be named like a Qlik Cloud region"), sharedTenantSchema).default({}),
    roles: z.object({ engineers: slackIds, oncall: slackIds, approvers: slackIds }).strict().default({ engineers: [], oncall: [], approvers: [] }),
    channels: z.object({ approvals: z.string().min(1).optional(), alerts: z.string().min(1).optional(), api: z.string().min(1).optional() }).strict().default({}),
    api: z
      .object({
        tokens: z.array(apiTokenSchema).default([]),
        /** Where qoem tells the OEM that an operation the API started has ended (signed with the secret). */
        callback: z.object({ url: z.string().url(), secret: z.string().min(16, "at least 16 characters") }).strict().optional(),
        ratePerMinute: z.number().int().positive().max(100_000).default(120),
      })
      .strict()
      .default({ tokens: [], ratePerMinute: 120 }),
    /** Residency codes placed on a named target (a region code or site name) before the region table is asked. */
    residency: z.record(z.string().regex(/^(EU|[A-Z]{2})$/, "a country code such as DE, or EU"), z.string().min(1)).default({}),
    approvals: z.object({ expiryHours: z.number().positive().max(24 * 30).default(24) }).strict().default({ expiryHours: 24 }),
    /** Days a moved customer's source waits for its removal when no approver approves it sooner (move back works until then). */
    moves: z.object({ graceDays: z.number().min(0).max(90).default(7) }).strict().default({ graceDays: 7 }),
    sweep: z.object({ everyMinutes: z.number().positive().max(1440).default(5), detailBatch: z.number().int().min(0).max(10_000).default(100) }).strict().default({ everyMinutes: 5, detailBatch: 100 }),
    audit: z.object({ maxLength: z.number().int().min(100).default(100_000) }).strict().default({ maxLength: 100_000 }),
    rollout: z
      .object({
        /** Reload variables given to every customer's app beside qoem's own; `{customer}`, `{region}`, `{site}`, `{tenantId}`, `{hostname}` are filled in. */
        variables: z
          .record(z.string().min(1).max(256).regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "a variable name starts with a letter or _ and holds letters, digits, _ and ."), z.string().max(256))
          .refine((v) => Object.keys(v).length <= 18, "at most 18 variables (Qlik takes 20 per reload; qoem sets two of its own)")
          .default({}),
        canary: z.number().int().min(0).max(1000).default(5),
        thresholdPct: z.number().min(0).max(100).default(10),
        /** Customers updated at once by one rollout. */
        concurrency: z.number().int().min(1).max(20_000).default(25),
      })
      .strict()
      .default({ variables: {}, canary: 5, thresholdPct: 10, concurrency: 25 }),
  })
  .strict();

export type SiteConfig = z.infer<typeof siteSchema>;
export type SharedTenantConfig = z.infer<typeof sharedTenantSchema>;

export interface RegionAccess {
  clientId: string;
  clientSecret: string;
  datacenter: string;
  registerHost: string;
}

export interface Config {
  mode: "slack" | "local";
  slack?: { botToken: string; signingSecret: string; appToken?: string; apiUrl?: string; port: number };
  redisUrl: string;
  prefix: string;
  roles: Array<"chat" | "worker" | "scheduler">;
  /** embedded: start the emulators in-process; url: use emulators already running there. */
  emulators: { embedded: boolean; url?: string };
  cloud: {
    regions: Record<string, RegionAccess>;
    organization?: { clientId: string; clientSecret: string; subscriptionId: string; host: string };
    licenseKey?: string;
    sourceTenant?: { hostname: string; region: string };
    onboarding: Partial<CloudOnboardingOptions>;
    rateLimits?: { tier1PerMinute: number; tier2PerMinute: number; specialPerMinute?: number };
    maxAppBytes?: number;
  };
  sites: Record<string, SiteConfig>;
  /** Tenants customers share (the embedded emulator adds one named `shared`). */
  sharedTenants: Record<string, SharedTenantConfig>;
  access: { engineers: string[]; oncall: string[]; approvers: string[] };
  channels: { approvals?: string; alerts?: string; api?: string };
  /** The provisioning API: token hashes and scopes, its own port outside HTTP Slack mode, callbacks. */
  api: { tokens: ApiToken[]; port?: number; callback?: { url: string; secret: string }; ratePerMinute: number };
  /** Residency overrides: code -> region code or site name. */
  residency: Record<string, string>;
  approvalExpiryMs: number;
  /** Days a moved customer's source waits for its removal (default 7). */
  moveGraceDays: number;
  sweep: { everyMs: number; detailBatch: number };
  auditMaxLength: number;
  /** Template rollouts: extra reload variables, the default canary and failure threshold, customers updated at once. */
  rollout: { variables: Record<string, string>; canary: number; thresholdPct: number; concurrency: number };
  /** The ops endpoints' own port (QOEM_OPS_PORT); Slack over HTTP serves them on its PORT as well. */
  opsPort?: number;
  /** Unset: info, or warn under the local shell so that logs do not drown the prompt. */
  logLevel?: string;
}

function onboardingOf(cloud: z.infer<typeof fileSchema>["cloud"]): Partial<CloudOnboardingOptions> {
  if (!cloud) return {};
  const out: Partial<CloudOnboardingOptions> = {};
  if (cloud.templates) out.templates = { space: cloud.templates.space, ...(cloud.templates.apps ? { apps: cloud.templates.apps } : {}) };
  if (cloud.identity) out.identity = cloud.identity as CloudOnboardingOptions["identity"];
  if (cloud.groups) out.groups = cloud.groups;
  if (cloud.licenses) out.licenses = cloud.licenses;
  if (cloud.branding) out.branding = cloud.branding as CloudOnboardingOptions["branding"];
  if (cloud.monitoring) out.monitoring = cloud.monitoring as CloudOnboardingOptions["monitoring"];
  return out;
}


export function readConfig(env: Record<string, string | undefined>, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): Config {
  // An empty variable (as docker compose passes for an unset one) counts as unset.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsedEnv = envSchema.safeParse(given);
  if (!parsedEnv.success) throw new ConfigError(describeIssues(parsedEnv.error, "environment", given, { knownKeys: true }));
  const e = parsedEnv.data;

  let raw: unknown = {};
  if (e.QOEM_CONFIG) {
    let text: string;
    try {
      text = readFile(e.QOEM_CONFIG);
    } catch (err) {
      throw new ConfigError(`QOEM_CONFIG: cannot read ${e.QOEM_CONFIG} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    try {
      // logLevel "error": syntax errors throw, and warnings (which quote the source) are not printed.
      raw = parseYaml(text, { logLevel: "error" }) ?? {};
    } catch (err) {
      throw new ConfigError(`QOEM_CONFIG: ${e.QOEM_CONFIG} is not valid YAML or JSON (${describeSyntaxError(err)})`);
    }
  }
  const parsedFile = fileSchema.safeParse(raw);
  const source = `config file ${e.QOEM_CONFIG ?? ""}`.trim();
  if (!parsedFile.success) throw new ConfigError(describeIssues(parsedFile.error, source, raw));
  const f = parsedFile.data;
  const unreadable = checkConfigFiles(f, readFile);
  if (unreadable) throw new ConfigError(`${source}: ${unreadable}`);

  if (Boolean(e.SLACK_BOT_TOKEN) !== Boolean(e.SLACK_SIGNING_SECRET)) {
    throw new ConfigError("environment: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET go together; set both for Slack, or neither for local mode");
  }
  const mode = e.SLACK_BOT_TOKEN ? "slack" : "local";
  // Emulators by default only for a bare local start: a config file means a real deployment is meant.
  const embedded = e.QOEM_EMULATOR_URL ? false : e.QOEM_EMULATORS === undefined ? mode === "local" && !e.QOEM_CONFIG : e.QOEM_EMULATORS === "1" || e.QOEM_EMULATORS === "true";

  const regions: Record<string, RegionAccess> = {};
  for (const [code, access] of Object.entries(f.cloud?.regions ?? {})) {
    if (!access) continue;
    const info = cloudRegions.find((r) => r.code === code)!;
    regions[code] = {
      clientId: access.clientId,
      clientSecret: access.clientSecret,
      datacenter: access.datacenter ?? info.datacenter,
      registerHost: access.registerHost ?? registerHost(code),
    };
  }
  const usesEmulators = embedded || Boolean(e.QOEM_EMULATOR_URL);
  // The emulators take every Qlik Cloud call (with their own credentials): the file's would be
  // silently unused, and a deployment meant for real tenants would make pretend ones.
  const cloudCredentials = [...(Object.keys(regions).length ? ["cloud.regions"] : []), ...(f.cloud?.organization ? ["cloud.organization"] : [])];
  if (usesEmulators && cloudCredentials.length > 0) {
    const switchName = e.QOEM_EMULATOR_URL ? "QOEM_EMULATOR_URL" : "QOEM_EMULATORS=1";
    throw new ConfigError(
      `${switchName} and Qlik Cloud credentials (${cloudCredentials.join(", ")} in ${e.QOEM_CONFIG}) cannot go together: the emulators would take every Qlik Cloud call and the credentials would go unused; unset ${switchName.replace(/=1$/, "")} to use Qlik Cloud, or remove the credentials to run on the emulators`,
    );
  }
  if (!usesEmulators && Object.keys(regions).length === 0 && Object.keys(f.sites).length === 0 && Object.keys(f.sharedTenants).length === 0) {
    throw new ConfigError(
      "no Qlik credentials: give Qlik Cloud regions (cloud.regions) or client-managed sites (sites) in the file named by QOEM_CONFIG, or set QOEM_EMULATORS=1 to run against the emulators",
    );
  }

  for (const [name, shared] of Object.entries(f.sharedTenants)) {
    if (name in f.sites || (usesEmulators && name === "local")) throw new ConfigError(`${source}: sharedTenants.${name}: a site has that name; give the shared tenant another`);
    if (!usesEmulators && !shared.clientId && !regions[shared.region]) {
      throw new ConfigError(`${source}: sharedTenants.${name}: give its clientId and clientSecret, or configure cloud.regions.${shared.region} (whose client it then uses)`);
    }
    if (usesEmulators && shared.clientId) throw new ConfigError(`${source}: sharedTenants.${name}: the emulators take every Qlik Cloud call with their own credentials; remove clientId and clientSecret`);
  }
  for (const [code, where] of Object.entries(f.residency)) {
    if (!cloudRegionCodes.includes(where) && !(where in f.sites) && !(usesEmulators && where === "local")) {
      throw new ConfigError(`${source}: residency.${code}: names no Qlik Cloud region and no configured site`);
    }
  }

  const config: Config = {
    mode,
    redisUrl: e.REDIS_URL,
    prefix: e.QOEM_PREFIX,
    roles: e.QOEM_ROLES,
    emulators: { embedded, ...(e.QOEM_EMULATOR_URL ? { url: e.QOEM_EMULATOR_URL } : {}) },
    cloud: {
      regions,
      ...(f.cloud?.organization ? { organization: f.cloud.organization } : {}),
      ...(f.cloud?.licenseKey ? { licenseKey: f.cloud.licenseKey } : {}),
      ...(f.cloud?.sourceTenant ? { sourceTenant: f.cloud.sourceTenant } : {}),
      ...(f.cloud?.rateLimits ? { rateLimits: f.cloud.rateLimits } : {}),
      ...(f.cloud?.maxAppSizeMB ? { maxAppBytes: Math.floor(f.cloud.maxAppSizeMB * 1024 ** 2) } : {}),
      onboarding: onboardingOf(f.cloud),
    },
    sites: f.sites,
    sharedTenants: f.sharedTenants,
    access: {
      engineers: [...new Set([...f.roles.engineers, ...e.QOEM_ENGINEERS])],
      oncall: [...new Set([...f.roles.oncall, ...e.QOEM_ONCALL])],
      approvers: [...new Set([...f.roles.approvers, ...e.QOEM_APPROVERS])],
    },
    channels: {
      ...((e.QOEM_APPROVALS_CHANNEL ?? f.channels.approvals) ? { approvals: e.QOEM_APPROVALS_CHANNEL ?? f.channels.approvals } : {}),
      ...((e.QOEM_ALERTS_CHANNEL ?? f.channels.alerts) ? { alerts: e.QOEM_ALERTS_CHANNEL ?? f.channels.alerts } : {}),
      ...((e.QOEM_API_CHANNEL ?? f.channels.api) ? { api: e.QOEM_API_CHANNEL ?? f.channels.api } : {}),
    },
    api: {
      tokens: uniqueTokens([...f.api.tokens, ...parseApiTokens(e.QOEM_API_TOKENS)]),
      ...(e.QOEM_API_PORT !== undefined ? { port: e.QOEM_API_PORT } : {}),
      ...(f.api.callback ? { callback: f.api.callback } : {}),
      ratePerMinute: f.api.ratePerMinute,
    },
    residency: f.residency,
    approvalExpiryMs: (e.QOEM_APPROVAL_EXPIRY_HOURS ?? f.approvals.expiryHours) * 3_600_000,
    moveGraceDays: e.QOEM_MOVE_GRACE_DAYS ?? f.moves.graceDays,
    auditMaxLength: e.QOEM_AUDIT_MAXLEN ?? f.audit.maxLength,
    sweep: { everyMs: (e.QOEM_SWEEP_MINUTES ?? f.sweep.everyMinutes) * 60_000, detailBatch: f.sweep.detailBatch },
    rollout: f.rollout,
    ...(e.LOG_LEVEL ? { logLevel: e.LOG_LEVEL } : {}),
  };
  // Slack over HTTP already serves the ops endpoints on PORT: the same port named twice means that one.
  const opsOnSlackPort = mode === "slack" && !e.SLACK_APP_TOKEN && e.QOEM_OPS_PORT === e.PORT && e.PORT !== 0;
  if (e.QOEM_OPS_PORT !== undefined && !opsOnSlackPort) config.opsPort = e.QOEM_OPS_PORT;
  if (e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET) {
    config.slack = {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      port: e.PORT,
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    };
  }
  return config;
}
