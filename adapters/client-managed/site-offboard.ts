/**
 * Offboard on a client-managed site: the customer's apps, rule, stream, virtual proxy and tag are
 * removed. Only what carries the customer's tag or lives in its stream is touched; every id comes
 * from a filter on the customer's own name, and each app is checked again before it is deleted.
 */
import { z } from "zod";
import type { OffboardResult } from "../port.ts";
import { qrsGuid, qrsString } from "./qrs-client.ts";
import {
  appSchema, appsInStream, carries, definitionSchema, findCustomerStream, findDefinition, list, proxyServiceSchema, ruleName, ruleSchema, stagingName, virtualProxySchema, withRetryOnConflict,
} from "./site-queries.ts";
import type { SiteHandle } from "./site-adapter.ts";

export async function removeCustomer(site: SiteHandle, customer: string): Promise<OffboardResult> {
  const { qrs } = site;
  const removed: string[] = [];
  const stream = await findCustomerStream(qrs, customer);

  const published = stream ? await appsInStream(qrs, stream.id) : [];
  const staged = (await list(qrs, "/qrs/app/full", appSchema, `name sw ${qrsString(stagingName(customer, ""))} and published eq false`)).filter((a) => a.name.startsWith(stagingName(customer, "")));
  for (const app of [...published, ...staged]) {
    const mine = (stream && app.stream?.id === stream.id) || carries(app, customer);
    if (!mine) continue;
    await qrs.call("DELETE", `/qrs/app/${qrsGuid(app.id)}`, z.undefined());
  }
  if (published.length + staged.length) removed.push(`${published.length + staged.length} apps`);

  for (const rule of await list(qrs, "/qrs/systemrule/full", ruleSchema, `name eq ${qrsString(ruleName(customer))}`)) {
    await qrs.call("DELETE", `/qrs/systemrule/${qrsGuid(rule.id)}`, z.undefined());
    removed.push(`rule ${rule.name}`);
  }
  if (stream) {
    await qrs.call("DELETE", `/qrs/stream/${qrsGuid(stream.id)}`, z.undefined());
    removed.push(`stream ${stream.name}`);
  }
  for (const vp of await list(qrs, "/qrs/virtualproxyconfig/full", virtualProxySchema, `prefix eq ${qrsString(customer)}`)) {
    await withRetryOnConflict(async () => {
      for (const proxy of await qrs.call("GET", "/qrs/proxyservice/full", z.array(proxyServiceSchema))) {
        if (!proxy.settings.virtualProxies.some((v) => v.id === vp.id)) continue;
        await qrs.call("PUT", `/qrs/proxyservice/${qrsGuid(proxy.id)}`, proxyServiceSchema, { body: { ...proxy, settings: { ...proxy.settings, virtualProxies: proxy.settings.virtualProxies.filter((v) => v.id !== vp.id) } } });
      }
    });
    await qrs.call("DELETE", `/qrs/virtualproxyconfig/${qrsGuid(vp.id)}`, z.undefined());
    removed.push(`virtual proxy /${vp.prefix}`);
  }
  await withRetryOnConflict(async () => {
    const def = await findDefinition(qrs);
    if (!def?.choiceValues.includes(customer)) return;
    await qrs.call("PUT", `/qrs/custompropertydefinition/${qrsGuid(def.id)}`, definitionSchema, { body: { ...def, choiceValues: def.choiceValues.filter((v) => v !== customer) } });
    removed.push("tag");
  });
  return { status: "removed", detail: removed.length ? `removed from site ${site.name}: ${removed.join(", ")}` : `nothing of ${customer} was left on site ${site.name}` };
}
