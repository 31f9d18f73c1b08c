// Onboarding step: monitoring, a webhook for failed reloads pointing back at qoem.
import { createWebhook, getWebhooks } from "@qlik/api/webhooks";
import { z } from "zod";
import type { OnboardStep } from "../port.ts";
import { listAll, validItems } from "./qlik-call.ts";
import { tenantHostOf } from "./settings-step.ts";
import { RELOAD_FINISHED, webhookName } from "./onboarding-options.ts";
import type { CloudContext } from "./cloud-adapter.ts";

const hookSchema = z.object({ id: z.string(), name: z.string(), url: z.string() });

export function monitoringStep(cloud: CloudContext): OnboardStep {
  return {
    id: "monitoring",
    title: "Set up monitoring",
    async run(ctx) {
      const monitoring = cloud.onboarding.monitoring;
      if (!monitoring) return { outcome: "unchanged", detail: "no monitoring.webhookUrl configured; health checks poll instead" };
      const name = webhookName(ctx.request.customer);
      const host = tenantHostOf(ctx);
      const creds = cloud.regionOf(ctx);
      const hooks = await listAll(cloud.caller, host, creds, "listing webhooks", "getWebhooks", (hostConfig, next) =>
        getWebhooks({ name, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
      );
      const existing = validItems(hooks, hookSchema).find((h) => h.name === name);
      if (existing) return { outcome: "adopted", detail: `webhook ${name} → ${existing.url}`, facts: { webhookId: existing.id } };
      const res = await cloud.caller.call(host, creds, "creating the reload-failure webhook", (hostConfig) =>
        createWebhook(
          {
            name,
            url: monitoring.webhookUrl,
            description: `qoem: failed reloads of ${ctx.request.customer}`,
            eventTypes: [RELOAD_FINISHED],
            filter: 'data.status eq "error"',
            enabled: true,
            level: "tenant",
            ...(monitoring.secret ? { secret: monitoring.secret } : {}),
          },
          { hostConfig },
        ), "createWebhook",
      );
      const hook = hookSchema.parse(res.data);
      return { outcome: "created", detail: `webhook ${name} → ${hook.url}`, facts: { webhookId: hook.id } };
    },
    async plan(ctx) {
      const monitoring = cloud.onboarding.monitoring;
      if (!monitoring) return { id: "monitoring", title: "Set up monitoring", action: "none", detail: "no monitoring.webhookUrl configured" };
      if (ctx.facts.tenantId) {
        const name = webhookName(ctx.request.customer);
        const hooks = await listAll(cloud.caller, tenantHostOf(ctx), cloud.regionOf(ctx), "listing webhooks", "getWebhooks", (hostConfig, next) =>
          getWebhooks({ name, limit: 100, ...(next ? { next } : {}) }, { hostConfig, noCache: true }),
        );
        if (validItems(hooks, hookSchema).some((h) => h.name === name)) return { id: "monitoring", title: "Set up monitoring", action: "adopt", detail: `webhook ${name} exists` };
      }
      return { id: "monitoring", title: "Set up monitoring", action: "create", detail: `reload-failure webhook → ${monitoring.webhookUrl}` };
    },
  };
}
