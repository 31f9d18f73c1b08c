/**
 * Onboarding on a client-managed site: the customer's tag (a value of the `Customer` custom
 * property), its stream, the security rule that lets only its users read that stream, the OEM's
 * template apps copied and published to it, and a JWT virtual proxy for embedded access. Each step
 * looks for what it would create first, so a retried or resumed job never makes a second one.
 */
import { z } from "zod";
import { QoemError, permanent, userError, type OnboardStep, type StepContext } from "../port.ts";
import { qrsGuid, qrsString, type QrsClient } from "./qrs-client.ts";
import {
  CUSTOMER_OBJECT_TYPES, CUSTOMER_PROPERTY, appSchema, appsInStream, customerDirectory, definitionSchema, engineServiceSchema, findCustomerStream, findDefinition, list, proxyServiceSchema, readRule, ruleName, ruleSchema,
  stagingName, streamSchema, virtualProxySchema, withRetryOnConflict,
} from "./site-queries.ts";
import type { SiteContext, SiteHandle } from "./site-adapter.ts";

const siteOf = (site: SiteContext, ctx: StepContext) => {
  if (ctx.request.target.kind !== "client-managed") throw userError("not a client-managed target");
  return site.site(ctx.request.target.site);
};

function customerPropertyStep(site: SiteContext): OnboardStep {
  const ensure = async (qrs: QrsClient, customer: string) =>
    withRetryOnConflict(async () => {
      const def = await findDefinition(qrs);
      if (!def) {
        const created = await qrs.call("POST", "/qrs/custompropertydefinition", definitionSchema, {
          body: { name: CUSTOMER_PROPERTY, valueType: "Text", choiceValues: [customer], objectTypes: CUSTOMER_OBJECT_TYPES, description: "The OEM customer an entity belongs to (qoem)" },
        });
        return { id: created.id, outcome: "created" as const };
      }
      // An adopted definition may lack object types qoem tags: without them QRS refuses the tag on a stream or app.
      const missingTypes = CUSTOMER_OBJECT_TYPES.filter((t) => !def.objectTypes.includes(t));
      if (def.choiceValues.includes(customer) && !missingTypes.length) return { id: def.id, outcome: "unchanged" as const };
      const choiceValues = def.choiceValues.includes(customer) ? def.choiceValues : [...def.choiceValues, customer];
      await qrs.call("PUT", `/qrs/custompropertydefinition/${qrsGuid(def.id)}`, definitionSchema, { body: { ...def, choiceValues, objectTypes: [...def.objectTypes, ...missingTypes] } });
      return { id: def.id, outcome: "updated" as const };
    });
  return {
    id: "customer-tag",
    title: "Tag the customer",
    async run(ctx) {
      const { qrs } = siteOf(site, ctx);
      const r = await ensure(qrs, ctx.request.customer);
      return { outcome: r.outcome, detail: `${CUSTOMER_PROPERTY}=${ctx.request.customer}`, facts: { customerPropertyId: r.id } };
    },
    async plan(ctx) {
      const def = await findDefinition(siteOf(site, ctx).qrs);
      const has = def?.choiceValues.includes(ctx.request.customer) && CUSTOMER_OBJECT_TYPES.every((t) => def.objectTypes.includes(t));
      return { id: "customer-tag", title: "Tag the customer", action: has ? "none" : def ? "update" : "create", detail: `${CUSTOMER_PROPERTY}=${ctx.request.customer}`, ...(def ? { facts: { customerPropertyId: def.id } } : {}) };
    },
  };
}

function streamStep(site: SiteContext): OnboardStep {
  return {
    id: "stream",
    title: "Create stream",
    async run(ctx) {
      const { qrs } = siteOf(site, ctx);
      const { customer } = ctx.request;
      const existing = await findCustomerStream(qrs, customer);
      if (existing) return { outcome: "adopted", detail: `stream ${customer} (${existing.id})`, facts: { streamId: existing.id } };
      const propertyId = ctx.facts.customerPropertyId;
      if (!propertyId) throw permanent("the customer-tag step has not recorded the custom property");
      const stream = await qrs.call("POST", "/qrs/stream", streamSchema, { body: { name: customer, customProperties: [{ value: customer, definition: { id: propertyId } }], tags: [] } });
      return { outcome: "created", detail: `stream ${customer} (${stream.id})`, facts: { streamId: stream.id } };
    },
    async plan(ctx) {
      const existing = await findCustomerStream(siteOf(site, ctx).qrs, ctx.request.customer);
      return { id: "stream", title: "Create stream", action: existing ? "adopt" : "create", detail: `stream ${ctx.request.customer}`, ...(existing ? { facts: { streamId: existing.id } } : {}) };
    },
  };
}

function ruleStep(site: SiteContext): OnboardStep {
  return {
    id: "security-rule",
    title: "Restrict the stream to the customer",
    async run(ctx) {
      const { qrs } = siteOf(site, ctx);
      const { customer } = ctx.request;
      const streamId = ctx.facts.streamId;
      if (!streamId) throw permanent("the stream step has not recorded the stream id");
      const wanted = { name: ruleName(customer), category: "Security", type: "Custom", rule: readRule(customer), resourceFilter: `Stream_${qrsGuid(streamId)}`, actions: 2, ruleContext: 1, disabled: false, comment: `qoem: only ${customer}'s users read its stream` };
      const [existing] = await list(qrs, "/qrs/systemrule/full", ruleSchema, `name eq ${qrsString(wanted.name)}`);
      if (!existing) {
        const rule = await qrs.call("POST", "/qrs/systemrule", ruleSchema, { body: wanted });
        return { outcome: "created", detail: `${wanted.name}: ${wanted.rule} may read ${wanted.resourceFilter}`, facts: { ruleId: rule.id } };
      }
      if (existing.rule === wanted.rule && existing.resourceFilter === wanted.resourceFilter && existing.actions === 2 && !existing.disabled) {
        return { outcome: "unchanged", detail: `${wanted.name}`, facts: { ruleId: existing.id } };
      }
      await qrs.call("PUT", `/qrs/systemrule/${qrsGuid(existing.id)}`, ruleSchema, { body: { ...existing, ...wanted } });
      return { outcome: "updated", detail: `${wanted.name} corrected`, facts: { ruleId: existing.id } };
    },
    async plan(ctx) {
      const [existing] = await list(siteOf(site, ctx).qrs, "/qrs/systemrule/full", ruleSchema, `name eq ${qrsString(ruleName(ctx.request.customer))}`);
      return { id: "security-rule", title: "Restrict the stream to the customer", action: existing ? "adopt" : "create", detail: `${ruleName(ctx.request.customer)}: ${readRule(ctx.request.customer)} may read the stream` };
    },
  };
}

/** The names of the OEM's templates on a site (its template stream), sorted. */
export async function templateNamesOn(s: SiteHandle): Promise<string[]> {
  const [stream] = await list(s.qrs, "/qrs/stream/full", streamSchema, `name eq ${qrsString(s.templateStream)}`);
  if (!stream) throw new QoemError("config_error", `site ${s.name} has no stream named '${s.templateStream}' holding the OEM's templates`);
  return (await appsInStream(s.qrs, stream.id)).map((a) => a.name).sort();
}

async function siteTemplates(site: SiteContext, ctx: StepContext) {
  const s = siteOf(site, ctx);
  const [stream] = await list(s.qrs, "/qrs/stream/full", streamSchema, `name eq ${qrsString(s.templateStream)}`);
  if (!stream) throw new QoemError("config_error", `site ${s.name} has no stream named '${s.templateStream}' holding the OEM's templates`);
  const available = await appsInStream(s.qrs, stream.id);
  const names = ctx.request.templates.length ? ctx.request.templates : available.map((a) => a.name).sort();
  return names.map((name) => {
    const app = available.find((a) => a.name === name);
    if (!app) throw userError(`template '${name}' is not in the '${s.templateStream}' stream of site ${s.name} (there: ${available.map((a) => a.name).join(", ") || "nothing"})`);
    return app;
  });
}

/** First step: the requested templates exist on the site, before anything is made for the customer. */
function templateCheckStep(site: SiteContext): OnboardStep {
  return {
    id: "template-check",
    title: "Check app templates",
    inputs: (request) => request.templates.join("|"),
    async run(ctx) {
      const templates = await siteTemplates(site, ctx);
      return { outcome: "unchanged", detail: `${templates.map((t) => t.name).join(", ") || "no templates"} on the site` };
    },
    async plan(ctx) {
      const templates = await siteTemplates(site, ctx);
      return { id: "template-check", title: "Check app templates", action: "none", detail: `${templates.map((t) => t.name).join(", ") || "no templates"} on the site` };
    },
  };
}

function templatesStep(site: SiteContext): OnboardStep {
  return {
    id: "templates",
    title: "Deploy app templates",
    inputs: (request) => request.templates.join("|"),
    async run(ctx) {
      const { qrs } = siteOf(site, ctx);
      const { customer } = ctx.request;
      const streamId = ctx.facts.streamId;
      const propertyId = ctx.facts.customerPropertyId;
      if (!streamId || !propertyId) throw permanent("the stream step has not recorded the stream id");
      const templates = await siteTemplates(site, ctx);
      const published = await appsInStream(qrs, streamId);
      let copied = 0;
      let republished = 0;
      for (const t of templates) {
        const target = published.find((a) => a.name === t.name);
        if (target) {
          await qrs.call("PUT", `/qrs/app/${qrsGuid(t.id)}/replace`, appSchema, { query: { app: qrsGuid(target.id) } });
          republished++;
          continue;
        }
        const staging = stagingName(customer, t.name);
        const earlier = (await list(qrs, "/qrs/app/full", appSchema, `name eq ${qrsString(staging)} and published eq false`))[0];
        const copy = earlier ?? (await qrs.call("POST", `/qrs/app/${qrsGuid(t.id)}/copy`, appSchema, { query: { name: staging } }));
        const tagged = await qrs.call("PUT", `/qrs/app/${qrsGuid(copy.id)}`, appSchema, { body: { ...copy, customProperties: [{ value: customer, definition: { id: propertyId } }] } });
        await qrs.call("PUT", `/qrs/app/${qrsGuid(tagged.id)}/publish`, appSchema, { query: { stream: qrsGuid(streamId), name: t.name } });
        copied++;
      }
      const parts = [copied && `${copied} copied and published`, republished && `${republished} republished`].filter(Boolean);
      return { outcome: copied ? "created" : "updated", detail: `${templates.map((t) => t.name).join(", ")}: ${parts.join(", ")}`, facts: { templates: templates.map((t) => t.name).join("|") } };
    },
    async plan(ctx) {
      const templates = await siteTemplates(site, ctx);
      const published = ctx.facts.streamId ? await appsInStream(siteOf(site, ctx).qrs, ctx.facts.streamId) : [];
      const fresh = templates.filter((t) => !published.some((a) => a.name === t.name)).map((t) => t.name);
      const again = templates.filter((t) => published.some((a) => a.name === t.name)).map((t) => t.name);
      return { id: "templates", title: "Deploy app templates", action: fresh.length ? "create" : "update", detail: [fresh.length && `copy and publish ${fresh.join(", ")}`, again.length && `republish ${again.join(", ")}`].filter(Boolean).join("; ") };
    },
  };
}

/**
 * The customer's JWT virtual proxy as the proxy service can use it: JWT authentication with the
 * site's certificate, routed to the site's engine nodes, open to the configured embedding origins,
 * and linked to the proxy service. The user directory is the constant `[<CUSTOMER>]`, not a claim,
 * so a token, whatever it says, reaches only this customer's stream through this proxy.
 */
function wantedVirtualProxy(s: SiteHandle, customer: string, engineNodes: string[]) {
  return {
    prefix: customer,
    description: `qoem: embedded access for ${customer}`,
    authenticationMethod: 4,
    sessionCookieHeaderName: `X-Qlik-Session-${customer}`,
    sessionInactivityTimeout: 30,
    defaultVirtualProxy: false,
    jwtPublicKeyCertificate: s.jwtPublicKey!,
    jwtAttributeUserId: "sub",
    jwtAttributeUserDirectory: `[${customerDirectory(customer)}]`,
    loadBalancingServerNodes: engineNodes.map((id) => ({ id })),
    websocketCrossOriginWhiteList: s.allowedOrigins ?? [],
  };
}

const sameProxy = (vp: z.infer<typeof virtualProxySchema>, wanted: ReturnType<typeof wantedVirtualProxy>) =>
  vp.authenticationMethod === wanted.authenticationMethod &&
  vp.jwtPublicKeyCertificate === wanted.jwtPublicKeyCertificate &&
  vp.jwtAttributeUserId === wanted.jwtAttributeUserId &&
  vp.jwtAttributeUserDirectory === wanted.jwtAttributeUserDirectory &&
  JSON.stringify(vp.loadBalancingServerNodes.map((n) => n.id).sort()) === JSON.stringify(wanted.loadBalancingServerNodes.map((n) => n.id).sort()) &&
  JSON.stringify([...vp.websocketCrossOriginWhiteList].sort()) === JSON.stringify([...wanted.websocketCrossOriginWhiteList].sort());

function virtualProxyStep(site: SiteContext): OnboardStep {
  return {
    id: "virtual-proxy",
    title: "Set up embedded access (JWT virtual proxy)",
    async run(ctx) {
      const s = siteOf(site, ctx);
      const { customer } = ctx.request;
      if (!s.jwtPublicKey) throw new QoemError("config_error", `site ${s.name} has no jwtPublicKey configured for its customers' JWT virtual proxies`);
      if (!s.jwtPublicKey.includes("-----BEGIN CERTIFICATE-----")) {
        throw new QoemError("config_error", `site ${s.name}: jwtPublicKey must be a certificate PEM (-----BEGIN CERTIFICATE-----); QRS's jwtPublicKeyCertificate takes the certificate of the key that signs the tokens, not a bare public key`);
      }
      const engineNodes = (await s.qrs.call("GET", "/qrs/engineservice/full", z.array(engineServiceSchema))).map((e) => e.serverNodeConfiguration.id);
      if (!engineNodes.length) throw new QoemError("config_error", `site ${s.name} has no engine service for the virtual proxy to route to`);
      const wanted = wantedVirtualProxy(s, customer, [...new Set(engineNodes)]);
      let outcome: "created" | "updated" | "unchanged" = "unchanged";
      let vp = (await list(s.qrs, "/qrs/virtualproxyconfig/full", virtualProxySchema, `prefix eq ${qrsString(customer)}`))[0];
      if (!vp) {
        vp = await s.qrs.call("POST", "/qrs/virtualproxyconfig", virtualProxySchema, { body: wanted });
        outcome = "created";
      } else if (!sameProxy(vp, wanted)) {
        const current = vp;
        vp = await s.qrs.call("PUT", `/qrs/virtualproxyconfig/${qrsGuid(current.id)}`, virtualProxySchema, { body: { ...current, ...wanted, id: current.id } });
        outcome = "updated";
      }
      const vpId = vp.id;
      const linked = await withRetryOnConflict(async () => {
        const [proxy] = await s.qrs.call("GET", "/qrs/proxyservice/full", z.array(proxyServiceSchema));
        if (!proxy) throw new QoemError("config_error", `site ${s.name} has no proxy service to link the virtual proxy to`);
        if (proxy.settings.virtualProxies.some((v) => v.id === vpId)) return false;
        await s.qrs.call("PUT", `/qrs/proxyservice/${qrsGuid(proxy.id)}`, proxyServiceSchema, { body: { ...proxy, settings: { ...proxy.settings, virtualProxies: [...proxy.settings.virtualProxies, { id: vpId }] } } });
        return true;
      });
      if (linked && outcome === "unchanged") outcome = "updated";
      const origins = wanted.websocketCrossOriginWhiteList.length ? `, origins ${wanted.websocketCrossOriginWhiteList.join(", ")}` : "";
      return { outcome, detail: `/${customer} with JWT (user directory fixed to ${customerDirectory(customer)}), ${engineNodes.length} engine node(s)${origins}`, facts: { virtualProxyId: vpId } };
    },
    async plan(ctx) {
      const s = siteOf(site, ctx);
      const [vp] = await list(s.qrs, "/qrs/virtualproxyconfig/full", virtualProxySchema, `prefix eq ${qrsString(ctx.request.customer)}`);
      return { id: "virtual-proxy", title: "Set up embedded access (JWT virtual proxy)", action: vp ? "adopt" : "create", detail: `virtual proxy /${ctx.request.customer} with JWT` };
    },
  };
}

export function siteSteps(site: SiteContext): OnboardStep[] {
  return [templateCheckStep(site), customerPropertyStep(site), streamStep(site), ruleStep(site), templatesStep(site), virtualProxyStep(site)];
}
